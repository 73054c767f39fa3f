import Foundation

/// Dates of birth as portals send them: `dd/MM/yyyy` (also `d/M/yyyy`), `yyyy-MM-dd`, or the
/// year alone — the provinces' forms accept both a full date and a year.
public enum DateOfBirth {
    public static let earliestYear = 1900
    /// Vietnam's offset from UTC (no daylight saving): "not in the future" means by Vietnamese calendar.
    static let vietnamUTCOffsetSeconds = 7 * 3600

    public static func parse(_ raw: String, today: Date) -> Result<BirthDate, ValueIssue> {
        let text = raw.trimmingBlanks
        guard let date = shape(of: text) else {
            return .failure(
                .init(
                    code: .invalidFormat,
                    message: "Ngày sinh phải có dạng dd/MM/yyyy, yyyy-MM-dd hoặc chỉ năm sinh yyyy."
                )
            )
        }
        if case .full(let year, let month, let day) = date,
            !BirthDate.isValidCalendarDate(year: year, month: month, day: day)
        {
            return .failure(.init(code: .invalidDate, message: "Ngày sinh không phải là một ngày có thật."))
        }
        guard date.year >= earliestYear else {
            return .failure(
                .init(code: .dateTooEarly, message: "Năm sinh không được trước năm \(earliestYear).")
            )
        }
        let now = Timestamp.civilDate(of: today, utcOffsetSeconds: vietnamUTCOffsetSeconds)
        let isInFuture =
            switch date {
            case .yearOnly(let year): year > now.year
            case .full(let year, let month, let day): (year, month, day) > (now.year, now.month, now.day)
            }
        guard !isInFuture else {
            return .failure(.init(code: .dateInFuture, message: "Ngày sinh không được ở tương lai."))
        }
        return .success(date)
    }

    /// The date the text spells, without checking the calendar.
    private static func shape(of text: String) -> BirthDate? {
        let bytes = Array(text.utf8)
        if bytes.count == 4, let year = digits(bytes[...]) {
            return .yearOnly(year)
        }
        if bytes.contains(UInt8(ascii: "/")) {
            let parts = bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
            guard parts.count == 3, (1...2).contains(parts[0].count), (1...2).contains(parts[1].count),
                parts[2].count == 4,
                let day = digits(parts[0]), let month = digits(parts[1]), let year = digits(parts[2])
            else { return nil }
            return .full(year: year, month: month, day: day)
        }
        let parts = bytes.split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = digits(parts[0]), let month = digits(parts[1]), let day = digits(parts[2])
        else { return nil }
        return .full(year: year, month: month, day: day)
    }

    private static func digits(_ bytes: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for byte in bytes {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return bytes.isEmpty ? nil : value
    }
}
