import Foundation

/// Which column holds what, found from the header row's Vietnamese names regardless of case,
/// diacritics and spacing (`Số CCCD`, `SO CCCD`, `số  cccd` are one name).
public struct HeaderMap: Sendable, Hashable {
    public enum Role: String, Sendable, CaseIterable {
        case fullName, idNumber, legacyIdNumber, dateOfBirth, procedureCode
    }

    public private(set) var columns: [Role: Int] = [:]
    /// How many columns the header row has; results are written after the last of them.
    public let width: Int

    private static let names: [Role: [String]] = [
        .fullName: ["Họ và tên", "Họ tên"],
        .idNumber: ["Số CCCD", "Số định danh", "Số định danh cá nhân"],
        .legacyIdNumber: ["Số CMND"],
        .dateOfBirth: ["Ngày sinh", "Ngày tháng năm sinh"],
        .procedureCode: ["Mã thủ tục"],
    ]

    private static let lookup: [String: Role] = Dictionary(
        uniqueKeysWithValues: names.flatMap { role, names in names.map { (folded($0), role) } }
    )

    public init(header: SheetRow) {
        width = header.cells.count
        for (index, cell) in header.cells.enumerated() {
            guard let role = Self.lookup[Self.folded(cell.text)], columns[role] == nil else { continue }
            columns[role] = index
        }
    }

    public subscript(role: Role) -> Int? { columns[role] }

    /// Roles a request of `type` cannot do without, with their names as officers write them.
    public func missing(for type: String) -> [String] {
        var required: [Role] = [.fullName, .dateOfBirth]
        switch type {
        case "link": required += [.idNumber, .legacyIdNumber]
        default: if columns[.idNumber] == nil, columns[.legacyIdNumber] == nil { required.append(.idNumber) }
        }
        return required.filter { columns[$0] == nil }.compactMap { Self.names[$0]?.first }
    }

    /// Lowercase ASCII letters and digits only: diacritics, `đ`, spaces and punctuation folded away.
    static func folded(_ text: String) -> String {
        let stripped = text.replacingOccurrences(of: "đ", with: "d").replacingOccurrences(of: "Đ", with: "d")
            .folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil)
        return String(
            stripped.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) }
                .map(Character.init)
        ).lowercased()
    }
}
