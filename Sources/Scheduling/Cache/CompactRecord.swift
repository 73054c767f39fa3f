import DanCuContract

/// A `CitizenRecord` packed into one byte buffer for the cache: one allocation per record instead
/// of one per field, with the strings records share (codes, place names, vocabulary) kept once in
/// an `InternTable`. This is what lets a million records fit in the memory budget.
///
/// Layout: every string is a LEB128 varint `v` then, when `v` is odd, `(v - 1) / 2` UTF-8 bytes;
/// `v == 0` means absent, an even `v` is the table id `v / 2 - 1`. An address detail is stored as
/// its ", "-separated parts (a varint count + 1, then each part), because the parts repeat across
/// citizens far more than whole lines do. The date of birth is a kind byte then a varint year
/// (and month and day bytes).
struct CompactRecord: Sendable, Hashable {
    let bytes: [UInt8]

    /// Packs `record`, taking a reference in `table` for every shared string.
    init(_ record: CitizenRecord, table: inout InternTable) {
        var writer = Writer()
        writer.inline(record.fullName)
        writer.inline(record.idNumber)
        writer.inline(record.legacyIdNumber)
        let vocabulary = [record.gender?.rawValue, record.ethnicity, record.religion, record.maritalStatus]
        for text in vocabulary + [record.bloodType] { writer.shared(text, in: &table) }
        writer.birthDate(record.dateOfBirth)
        writer.shared(record.nationality, in: &table)
        let places = [record.birthRegistrationPlace, record.hometown]
        for address in places + [record.permanentAddress, record.currentAddress] {
            writer.address(address, in: &table)
        }
        bytes = writer.bytes
    }

    /// The record, or `nil` if the bytes or the table do not hold what this type wrote.
    func record(in table: InternTable) -> CitizenRecord? {
        decode { table.string($0) }
    }

    /// Gives back this record's references in `table` (when the record leaves the cache).
    func release(from table: inout InternTable) {
        var ids: [UInt32] = []
        _ = decode { id in
            ids.append(id)
            return ""
        }
        for id in ids { table.release(id) }
    }

    private func decode(resolving resolve: (UInt32) -> String?) -> CitizenRecord? {
        withoutActuallyEscaping(resolve) { resolve in
            var reader = Reader(bytes: bytes, resolve: resolve)
            return decode(from: &reader)
        }
    }

    private func decode(from reader: inout Reader) -> CitizenRecord? {
        guard let fullName = reader.string(), let fullNameText = fullName,
            let idNumber = reader.string(), let idNumberText = idNumber,
            let legacyIdNumber = reader.string(),
            let gender = reader.string(),
            let ethnicity = reader.string(),
            let religion = reader.string(),
            let maritalStatus = reader.string(),
            let bloodType = reader.string(),
            let dateOfBirth = reader.birthDate(),
            let nationality = reader.string(),
            let birthRegistrationPlace = reader.address(),
            let hometown = reader.address(),
            let permanentAddress = reader.address(),
            let currentAddress = reader.address(),
            reader.isAtEnd
        else { return nil }
        return CitizenRecord(
            fullName: fullNameText,
            idNumber: idNumberText,
            legacyIdNumber: legacyIdNumber,
            gender: gender.flatMap(Gender.init(rawValue:)),
            ethnicity: ethnicity,
            religion: religion,
            maritalStatus: maritalStatus,
            bloodType: bloodType,
            dateOfBirth: dateOfBirth,
            nationality: nationality,
            birthRegistrationPlace: birthRegistrationPlace,
            hometown: hometown,
            permanentAddress: permanentAddress,
            currentAddress: currentAddress
        )
    }

    private static let detailSeparator = ", "

    private struct Writer {
        var bytes: [UInt8] = []

        mutating func varint(_ value: Int) {
            var remaining = UInt64(max(0, value))
            while remaining >= 0x80 {
                bytes.append(UInt8(remaining & 0x7F) | 0x80)
                remaining >>= 7
            }
            bytes.append(UInt8(remaining))
        }

        mutating func inline(_ text: String?) {
            guard let text else {
                bytes.append(0)
                return
            }
            varint(2 * text.utf8.count + 1)
            bytes.append(contentsOf: text.utf8)
        }

        mutating func shared(_ text: String?, in table: inout InternTable) {
            guard let text, let id = table.retain(text) else { return inline(text) }
            varint(2 * (Int(id) + 1))
        }

        mutating func birthDate(_ date: BirthDate) {
            switch date {
            case .full(let year, let month, let day):
                bytes.append(1)
                varint(year)
                bytes.append(UInt8(truncatingIfNeeded: month))
                bytes.append(UInt8(truncatingIfNeeded: day))
            case .yearOnly(let year):
                bytes.append(2)
                varint(year)
            }
        }

        mutating func address(_ address: Address?, in table: inout InternTable) {
            guard let address else {
                bytes.append(0)
                return
            }
            bytes.append(1)
            shared(address.provinceCode, in: &table)
            shared(address.districtCode, in: &table)
            shared(address.wardCode, in: &table)
            if let detail = address.detail {
                let parts = detail.split(separator: CompactRecord.detailSeparator, omittingEmptySubsequences: false)
                varint(parts.count + 1)
                for part in parts { shared(String(part), in: &table) }
            } else {
                bytes.append(0)
            }
            shared(address.country, in: &table)
        }
    }

    private struct Reader {
        let bytes: [UInt8]
        let resolve: (UInt32) -> String?
        var position = 0

        var isAtEnd: Bool { position == bytes.count }

        mutating func byte() -> UInt8? {
            guard position < bytes.count else { return nil }
            defer { position += 1 }
            return bytes[position]
        }

        mutating func varint() -> Int? {
            var value = 0
            var shift = 0
            while shift < 63, let byte = byte() {
                value |= Int(byte & 0x7F) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
            return nil
        }

        /// `.some(nil)` for an absent string, `nil` for malformed bytes.
        mutating func string() -> String?? {
            guard let tag = varint() else { return nil }
            if tag == 0 { return .some(nil) }
            if tag % 2 == 0 { return resolve(UInt32(tag / 2 - 1)).map { .some($0) } }
            let end = position + (tag - 1) / 2
            guard end <= bytes.count else { return nil }
            defer { position = end }
            return String(decoding: bytes[position..<end], as: UTF8.self)
        }

        mutating func birthDate() -> BirthDate? {
            switch byte() {
            case 1:
                guard let year = varint(), let month = byte(), let day = byte() else { return nil }
                return .full(year: year, month: Int(month), day: Int(day))
            case 2:
                return varint().map(BirthDate.yearOnly)
            default:
                return nil
            }
        }

        mutating func address() -> Address?? {
            switch byte() {
            case 0:
                return .some(nil)
            case 1:
                guard let provinceCode = string(), let districtCode = string(), let wardCode = string(),
                    let detail = detail(), let country = string()
                else { return nil }
                return Address(
                    provinceCode: provinceCode,
                    districtCode: districtCode,
                    wardCode: wardCode,
                    detail: detail,
                    country: country
                )
            default:
                return nil
            }
        }

        mutating func detail() -> String?? {
            guard let countPlusOne = varint() else { return nil }
            guard countPlusOne > 0 else { return .some(nil) }
            var parts: [String] = []
            for _ in 0..<(countPlusOne - 1) {
                guard let part = string(), let text = part else { return nil }
                parts.append(text)
            }
            return .some(parts.joined(separator: CompactRecord.detailSeparator))
        }
    }
}
