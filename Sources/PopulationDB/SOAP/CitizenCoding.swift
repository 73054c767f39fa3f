import DanCuContract

/// `CongDan` ⇄ `CitizenRecord`: the database sends codes, the gateway carries words (`CodeLists`).
/// A missing or unknown value becomes `nil` ("Chưa có thông tin"), never a raw code.
enum CitizenCoding {
    static func write(_ citizen: CitizenRecord, to writer: inout XMLWriter) {
        writer.element("CongDan") { writer in
            writer.element("SoDinhDanh", citizen.idNumber)
            writer.element("SoCMND", citizen.legacyIdNumber)
            writer.element("HoVaTen") { writer in
                let name = splitName(citizen.fullName)
                writer.element("Ho", name.family)
                writer.element("ChuDem", name.middle)
                writer.element("Ten", name.given)
            }
            writer.element("GioiTinh", citizen.gender.flatMap { CodeLists.gender.code(forName: $0.rawValue) })
            writer.element("DanToc", citizen.ethnicity.flatMap(CodeLists.ethnicity.code(forName:)))
            writer.element("TonGiao", citizen.religion.flatMap(CodeLists.religion.code(forName:)))
            writer.element("TinhTrangHonNhan", citizen.maritalStatus.flatMap(CodeLists.maritalStatus.code(forName:)))
            writer.element("NhomMau", citizen.bloodType.flatMap(CodeLists.bloodType.code(forName:)) ?? "00")
            writer.element("NgayThangNamSinh") { writer in
                writer.element("Nam", BirthDate.yearOnly(citizen.dateOfBirth.year).displayText)
                if case .full(let year, let month, let day) = citizen.dateOfBirth {
                    writer.element("NgayThangNam", PopulationSOAP.compactDate(year: year, month: month, day: day))
                }
            }
            writer.element("QuocTich", citizen.nationality)
            write(citizen.birthRegistrationPlace, as: "NoiDangKyKhaiSinh", to: &writer)
            write(citizen.hometown, as: "QueQuan", to: &writer)
            write(citizen.permanentAddress, as: "ThuongTru", to: &writer)
            write(citizen.currentAddress, as: "NoiOHienTai", to: &writer)
        }
    }

    static func read(_ element: XMLTreeElement) throws(PopulationSOAP.MessageError) -> CitizenRecord {
        guard let idNumber = element.child("SoDinhDanh")?.value else {
            throw PopulationSOAP.MessageError("CongDan without SoDinhDanh")
        }
        guard let fullName = element.child("HoVaTen").flatMap(fullName(in:)) else {
            throw PopulationSOAP.MessageError("CongDan without HoVaTen")
        }
        guard let dateOfBirth = element.child("NgayThangNamSinh").flatMap(PopulationSOAP.birthDate(in:)) else {
            throw PopulationSOAP.MessageError("CongDan without a usable NgayThangNamSinh")
        }
        func word(_ field: String, in table: CodeTable) -> String? {
            element.child(field)?.value.flatMap(table.name(forCode:))
        }
        return CitizenRecord(
            fullName: fullName,
            idNumber: idNumber,
            legacyIdNumber: element.child("SoCMND")?.value,
            gender: word("GioiTinh", in: CodeLists.gender).flatMap(Gender.init(rawValue:)),
            ethnicity: word("DanToc", in: CodeLists.ethnicity),
            religion: word("TonGiao", in: CodeLists.religion),
            maritalStatus: word("TinhTrangHonNhan", in: CodeLists.maritalStatus),
            bloodType: word("NhomMau", in: CodeLists.bloodType),
            dateOfBirth: dateOfBirth,
            nationality: element.child("QuocTich")?.value,
            birthRegistrationPlace: address(in: element.child("NoiDangKyKhaiSinh")),
            hometown: address(in: element.child("QueQuan")),
            permanentAddress: address(in: element.child("ThuongTru")),
            currentAddress: address(in: element.child("NoiOHienTai"))
        )
    }

    /// `Ho` is the first word, `Ten` the last, `ChuDem` everything between (possibly nothing).
    static func splitName(_ fullName: String) -> (family: String?, middle: String?, given: String?) {
        let words = fullName.split(whereSeparator: \.isWhitespace).map(String.init)
        switch words.count {
        case 0: return (nil, nil, nil)
        case 1: return (nil, nil, words[0])
        default:
            let middle = words.dropFirst().dropLast().joined(separator: " ")
            return (words[0], middle.isEmpty ? nil : middle, words[words.count - 1])
        }
    }

    /// Joins `Ho ChuDem Ten`, skipping empty parts; some sources put the whole name in `HoVaTen`.
    private static func fullName(in element: XMLTreeElement) -> String? {
        let parts = ["Ho", "ChuDem", "Ten"].compactMap { element.child($0)?.value }
        let joined = parts.isEmpty ? (element.value ?? "") : parts.joined(separator: " ")
        let normalised = joined.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return normalised.isEmpty ? nil : normalised
    }

    private static func write(_ address: Address?, as name: String, to writer: inout XMLWriter) {
        guard let address else {
            writer.element(name, nil)
            return
        }
        writer.element(name) { writer in
            writer.element("MaTinhThanh", address.provinceCode)
            writer.element("MaQuanHuyen", address.districtCode)
            writer.element("MaPhuongXa", address.wardCode)
            writer.element("ChiTiet", address.detail)
            writer.element("QuocGia", address.country)
        }
    }

    /// An address with no value in any field is no address.
    private static func address(in element: XMLTreeElement?) -> Address? {
        guard let element else { return nil }
        let address = Address(
            provinceCode: element.child("MaTinhThanh")?.value,
            districtCode: element.child("MaQuanHuyen")?.value,
            wardCode: element.child("MaPhuongXa")?.value,
            detail: element.child("ChiTiet")?.value,
            country: element.child("QuocGia")?.value
        )
        return address == Address() ? nil : address
    }
}
