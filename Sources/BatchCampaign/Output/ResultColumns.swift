import DanCuContract

/// The columns a campaign adds after the input's own, with Vietnamese names.
public struct ResultColumns: Sendable, Hashable {
    public static let status = "Trạng thái"
    public static let message = "Kết quả"
    public static let notes = "Ghi chú"
    public static let linkedIdNumber = "Số CCCD (CSDLQG)"
    /// `Trạng thái` of a row that was not sent.
    public static let refusedStatus = "refused"

    /// Released citizen fields written as columns: every field for `lookup`, the CCCD for `link`.
    public let fields: [CitizenField]

    public init(type: RequestType, releasing fields: [CitizenField]) {
        switch type {
        case .verify: self.fields = []
        case .link: self.fields = [.idNumber]
        case .lookup: self.fields = fields.sorted()
        }
    }

    public var names: [String] {
        [Self.status, Self.message, Self.notes]
            + fields.map { fields == [.idNumber] ? Self.linkedIdNumber : Self.name(of: $0) }
    }

    /// The cells for one row: empty when the row is not a data row (blank) or has no result yet.
    public func cells(for result: RowResult?) -> [String] {
        guard let result else { return Array(repeating: "", count: names.count) }
        let status = result.status?.rawValue ?? (result.sent ? "" : Self.refusedStatus)
        let message = result.message ?? (result.sent ? "" : "Dòng không được gửi đến CSDLQG về Dân cư, xem Ghi chú.")
        return [status, message, result.notes]
            + fields.map { field in
                switch result.citizen?[field] {
                case .text(let text): text
                case .address(let address):
                    [address.detail, address.country].compactMap { $0 }.joined(separator: ", ")
                case .missing: "Chưa có thông tin"
                case nil: ""
                }
            }
    }

    /// The field names of the provinces' citizen-record screens, marked as coming from the database.
    static func name(of field: CitizenField) -> String {
        let name =
            switch field {
            case .fullName: "Họ và tên"
            case .idNumber: "Số định danh cá nhân"
            case .legacyIdNumber: "Số CMND"
            case .gender: "Giới tính"
            case .ethnicity: "Dân tộc"
            case .religion: "Tôn giáo"
            case .maritalStatus: "Tình trạng hôn nhân"
            case .bloodType: "Nhóm máu"
            case .dateOfBirth: "Ngày tháng năm sinh"
            case .nationality: "Quốc tịch"
            case .birthRegistrationPlace: "Nơi đăng ký khai sinh"
            case .hometown: "Quê quán"
            case .permanentAddress: "Nơi thường trú"
            case .currentAddress: "Nơi ở hiện tại"
            }
        return name + " (CSDLQG)"
    }
}
