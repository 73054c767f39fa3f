import DanCuContract
import Foundation

/// What became of one cell: the value to send (if any), and a Vietnamese note when the cell was
/// repaired or refused. Excel damage is repaired only where one reading is possible; anything else
/// is refused with a note, never guessed.
public struct RepairedCell: Sendable, Hashable {
    public var value: String?
    public var note: String?
    public var refused: Bool

    static func kept(_ value: String?) -> Self { Self(value: value, note: nil, refused: false) }
    static func repaired(_ value: String, _ note: String) -> Self { Self(value: value, note: note, refused: false) }
    static func refused(_ note: String) -> Self { Self(value: nil, note: note, refused: true) }
}

public enum CellRepair {
    public enum IdKind: Sendable {
        case cccd, cmnd

        var label: String { self == .cccd ? "Số CCCD" : "Số CMND" }
    }

    /// An ID number cell. Excel drops the leading zeros of a number stored as a number: every province
    /// code starts with 0 (Hà Nội's `001` with two), so an 11- or 10-digit number that becomes a valid
    /// province-coded CCCD with its zeros back is repaired, and so is an 8-digit CMND. Scientific
    /// notation and separators lose or hide digits and are refused.
    public static func idNumber(_ cell: SheetCell, kind: IdKind) -> RepairedCell {
        let text = trimmed(cell.text)
        guard !text.isEmpty else { return .kept(nil) }
        let isNumber = if case .number = cell { true } else { false }
        guard let digits = plainDigits(text, isNumber: isNumber) else {
            if text.contains(where: { $0 == "E" || $0 == "e" }), text.contains(where: \.isNumber) {
                return .refused(
                    "\(kind.label) \"\(text)\" ở dạng số khoa học: Excel đã làm mất chữ số. Hãy định dạng cột là Văn bản (Text) và nhập lại số."
                )
            }
            if text.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) || separators.contains($0) }) {
                return .refused(
                    "\(kind.label) có dấu phân cách (dấu cách, chấm, phẩy hoặc gạch): không tự sửa, hãy nhập lại chỉ gồm chữ số."
                )
            }
            return .kept(text)
        }
        switch (kind, digits.count) {
        case (.cccd, IdNumber.cccdLength - 2...IdNumber.cccdLength - 1):
            let zeros = String(repeating: "0", count: IdNumber.cccdLength - digits.count)
            let restored = zeros + digits
            guard let cccd = CCCDNumber(restored), cccd.province != nil, case .success = IdNumber.check(restored) else {
                return .refused(
                    "Số CCCD chỉ có \(digits.count) chữ số và thêm số 0 ở đầu cũng không thành số CCCD hợp lệ: hãy kiểm tra lại."
                )
            }
            return .repaired(
                restored,
                "Đã thêm \(zeros.count) số 0 ở đầu Số CCCD (Excel đã bỏ số 0 khi lưu ô dạng số)."
            )
        case (.cmnd, IdNumber.cmndLength - 1):
            return .repaired("0" + digits, "Đã thêm số 0 ở đầu Số CMND (Excel đã bỏ số 0 khi lưu ô dạng số).")
        default:
            return .kept(digits)
        }
    }

    /// A date-of-birth cell. A date cell, a number (or a bare 5-digit text) is an Excel serial date in
    /// the 1900 date system and becomes `dd/MM/yyyy`; a plain 4-digit number stays a year (the forms
    /// accept the year alone).
    public static func dateOfBirth(_ cell: SheetCell) -> RepairedCell {
        let text = trimmed(cell.text)
        guard !text.isEmpty else { return .kept(nil) }
        let isSerial =
            switch cell {
            case .date: true
            case .number: !(text.count == 4 && text.allSatisfy(\.isNumber))
            case .text, .empty: text.count == 5 && text.allSatisfy(\.isASCII) && text.allSatisfy(\.isNumber)
            }
        guard isSerial, let serial = Double(text), serial.isFinite else { return .kept(text) }
        guard let date = date(fromSerial: serial) else {
            return .refused(
                "Ngày sinh \"\(text)\" không phải ngày tháng mà Excel lưu dạng số: hãy nhập lại theo dạng dd/MM/yyyy."
            )
        }
        return .repaired(date, "Đã đổi ngày sinh từ số ngày của Excel (\(text)) sang \(date).")
    }

    /// Excel's 1900 date system: serial 1 is 1 January 1900, and serial 60 is the 29 February 1900 that
    /// never was (kept from Lotus 1-2-3), so later serials count from 30 December 1899.
    static func date(fromSerial serial: Double) -> String? {
        let day = Int(serial.rounded(.down))
        guard day >= 1, day != 60, day < 2_958_466 else { return nil }
        let daysFromEpoch = day - (day > 60 ? 25_569 : 25_568)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let date = Date(timeIntervalSince1970: Double(daysFromEpoch) * 86_400)
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        guard let year = parts.year, let month = parts.month, let dayOfMonth = parts.day else { return nil }
        return String(format: "%02d/%02d/%04d", dayOfMonth, month, year)
    }

    /// Spaces at either end, no-break spaces included (copied text brings them).
    static func trimmed(_ text: String) -> String {
        text.trimmingCharacters(
            in: .whitespacesAndNewlines.union(CharacterSet(charactersIn: "\u{00A0}\u{202F}\u{FEFF}"))
        )
    }

    private static let separators: Set<Unicode.Scalar> = [" ", ".", ",", "-", "\u{00A0}", "'"]

    /// The digits of a plain integer: `089…` as text, or a stored number such as `89090000123` or `89090000123.0`.
    private static func plainDigits(_ text: String, isNumber: Bool) -> String? {
        var body = Substring(text)
        if isNumber, body.hasSuffix(".0") { body = body.dropLast(2) }
        guard !body.isEmpty, body.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }) else { return nil }
        return String(body)
    }
}
