/// ID numbers as portals send them: the 12-digit personal identification number printed on the
/// CCCD, or the old 9-digit CMND.
public enum IdNumber {
    public static let cccdLength = 12
    public static let cmndLength = 9

    /// The trimmed number when it is 12 (CCCD) or 9 (CMND) digits and, for a CCCD starting with 0,
    /// names a real province.
    public static func check(_ raw: String) -> Result<String, ValueIssue> {
        let number = raw.trimmingBlanks
        guard isDigits(number, count: cccdLength) || isDigits(number, count: cmndLength) else {
            return .failure(
                .init(code: .invalidFormat, message: "Số CMND/CCCD phải gồm 12 chữ số (CCCD) hoặc 9 chữ số (CMND).")
            )
        }
        if let cccd = CCCDNumber(number), cccd.isProvinceCoded, cccd.province == nil {
            return .failure(
                .init(code: .unknownProvinceCode, message: "Ba chữ số đầu của số CCCD không phải mã tỉnh, thành phố.")
            )
        }
        return .success(number)
    }

    /// The trimmed number when it has exactly `count` digits.
    static func check(_ raw: String, digits count: Int, label: String) -> Result<String, ValueIssue> {
        let number = raw.trimmingBlanks
        guard isDigits(number, count: count) else {
            return .failure(.init(code: .invalidFormat, message: "\(label) phải gồm \(count) chữ số."))
        }
        return .success(number)
    }

    static func isDigits(_ text: String, count: Int) -> Bool {
        text.utf8.count == count && text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }
}

/// What a 12-digit personal identification number says about its holder (Decree 137/2015,
/// Circular 07/2016): digits 1-3 the province of birth registration, digit 4 century and gender,
/// digits 5-6 the last two digits of the birth year.
public struct CCCDNumber: Sendable, Hashable {
    public let digits: String
    private let values: [Int]

    public init?(_ digits: String) {
        guard IdNumber.isDigits(digits, count: IdNumber.cccdLength) else { return nil }
        self.digits = digits
        values = digits.utf8.map { Int($0 - UInt8(ascii: "0")) }
    }

    /// Numbers starting with 0 carry a province code; others (issued abroad, special registers) do not.
    public var isProvinceCoded: Bool { values[0] == 0 }

    public var province: Province? {
        isProvinceCoded ? Province.withCode(digits.prefix(3)) : nil
    }

    /// 0/1: 1900s, 2/3: 2000s, 4/5: 2100s, 6/7: 2200s, 8/9: 2300s.
    public var birthCentury: Int { 1900 + values[3] / 2 * 100 }

    /// Even century-gender digits are men, odd ones women.
    public var gender: Gender { values[3].isMultiple(of: 2) ? .male : .female }

    public var birthYearLastTwoDigits: Int { values[4] * 10 + values[5] }

    /// Why no citizen born on `dateOfBirth` can hold this number, or `nil` when the digits agree.
    public func contradiction(with dateOfBirth: BirthDate) -> ValueIssue? {
        if dateOfBirth.year / 100 * 100 != birthCentury {
            return ValueIssue(
                code: .idNumberCenturyMismatch,
                message: "Chữ số thứ tư của số CCCD (thế kỷ sinh) không khớp với năm sinh."
            )
        }
        if dateOfBirth.year % 100 != birthYearLastTwoDigits {
            return ValueIssue(
                code: .idNumberYearMismatch,
                message: "Chữ số thứ năm và thứ sáu của số CCCD không khớp với năm sinh."
            )
        }
        return nil
    }
}

extension String {
    /// Without the blanks copied text brings around a value: spaces, tabs, no-break spaces, line ends,
    /// zero-width characters and a byte-order mark. Scalar by scalar, because a zero-width joiner is part
    /// of the character before it; the common case (nothing to trim) returns the string itself.
    var trimmingBlanks: String {
        let scalars = unicodeScalars
        let isBlank: (Unicode.Scalar) -> Bool = { $0.properties.isWhitespace || FullName.isInvisible($0) }
        guard let first = scalars.firstIndex(where: { !isBlank($0) }),
            let last = scalars.lastIndex(where: { !isBlank($0) })
        else { return "" }
        return first == scalars.startIndex && last == scalars.index(before: scalars.endIndex)
            ? self : String(scalars[first...last])
    }
}
