/// A date of birth as the population database holds it: a full calendar date, or only the year
/// (older records, and forms that let the citizen enter the year alone).
public enum BirthDate: Sendable, Hashable {
    case full(year: Int, month: Int, day: Int)
    case yearOnly(Int)

    public var year: Int {
        switch self {
        case .full(let year, _, _): year
        case .yearOnly(let year): year
        }
    }

    /// `dd/MM/yyyy` or `yyyy`: how outcomes and result texts write a date of birth.
    public var displayText: String {
        switch self {
        case .full(let year, let month, let day):
            "\(Self.twoDigits(day))/\(Self.twoDigits(month))/\(Self.fourDigits(year))"
        case .yearOnly(let year):
            Self.fourDigits(year)
        }
    }

    /// Whether a date given in a request matches this record's date: a year-only request matches
    /// on the year, a full request on the full date; a year-only record matches any date in its year.
    public func matches(_ requested: BirthDate) -> Bool {
        switch (self, requested) {
        case (.full, .full): self == requested
        default: year == requested.year
        }
    }

    /// Whether `year`/`month`/`day` name a real Gregorian date.
    public static func isValidCalendarDate(year: Int, month: Int, day: Int) -> Bool {
        guard (1...12).contains(month), day >= 1 else { return false }
        return day <= daysIn(month: month, year: year)
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    public static func isLeapYear(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    static func fourDigits(_ value: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, 4 - text.count)) + text
    }
}
