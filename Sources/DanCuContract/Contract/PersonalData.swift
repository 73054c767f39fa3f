/// Masks for the rare log line that must point at a citizen: personal data itself never goes to logs.
public enum PersonalData {
    /// `001203004587` → `0012******87`: first four and last two digits, the rest hidden.
    public static func maskIdNumber(_ idNumber: String) -> String {
        let characters = Array(idNumber)
        guard characters.count > 6 else { return String(repeating: "*", count: characters.count) }
        return String(characters.prefix(4)) + String(repeating: "*", count: characters.count - 6)
            + String(characters.suffix(2))
    }

    /// `TRẦN QUANG KHƯƠNG` → `T*** Q*** K***`: initials only, every word the same length.
    public static func maskName(_ name: String) -> String {
        name.split(whereSeparator: \.isWhitespace)
            .map { word in word.prefix(1) + "***" }
            .joined(separator: " ")
    }

    /// `20/04/1990` → `**/**/19**`, `1990` → `19**`: the century only.
    public static func maskDateOfBirth(_ date: BirthDate) -> String {
        let century = BirthDate.fourDigits(date.year).prefix(2)
        return switch date {
        case .full: "**/**/\(century)**"
        case .yearOnly: "\(century)**"
        }
    }
}
