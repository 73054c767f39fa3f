/// The Vietnamese texts outcomes carry. The verify texts are the provinces' own (An Giang's guide),
/// word for word; the others follow their style.
public enum ResultText {
    static let prefix = "[CSDLQGDC]"

    public static func verified(fullName: String?, idNumber: String, dateOfBirth: BirthDate?) -> String {
        "\(prefix) Xác thực với CSDLQG về Dân cư thành công. Tìm thấy thông tin Công dân với "
            + subject(fullName, idNumber, dateOfBirth)
    }

    public static func notVerified(fullName: String?, idNumber: String, dateOfBirth: BirthDate?) -> String {
        "\(prefix) Xác thực với CSDLQG về Dân cư thất bại. Không tìm thấy thông tin Công dân với "
            + subject(fullName, idNumber, dateOfBirth) + "."
    }

    public static func lookupFound(fullName: String?, idNumber: String, dateOfBirth: BirthDate?) -> String {
        "\(prefix) Tra cứu thông tin trong CSDLQG về Dân cư thành công. Tìm thấy thông tin Công dân với "
            + subject(fullName, idNumber, dateOfBirth)
    }

    public static func lookupNotFound(fullName: String?, idNumber: String, dateOfBirth: BirthDate?) -> String {
        "\(prefix) Tra cứu thông tin trong CSDLQG về Dân cư thất bại. Không tìm thấy thông tin Công dân với "
            + subject(fullName, idNumber, dateOfBirth) + "."
    }

    public static func linkFound(idNumber: String, legacyIdNumber: String) -> String {
        "\(prefix) Liên kết số CMND với số CCCD trong CSDLQG về Dân cư thành công. "
            + "Số CMND \(legacyIdNumber) thuộc Công dân có số CCCD \(idNumber)"
    }

    public static func linkNotFound(idNumber: String, legacyIdNumber: String) -> String {
        "\(prefix) Liên kết số CMND với số CCCD trong CSDLQG về Dân cư thất bại. "
            + "Không tìm thấy Công dân có số CCCD \(idNumber) với số CMND \(legacyIdNumber)."
    }

    public static func invalidRequest(problemCount: Int) -> String {
        "\(prefix) Yêu cầu không hợp lệ: có \(problemCount) lỗi trong thông tin gửi đến. "
            + "Vui lòng kiểm tra lại thông tin và gửi lại."
    }

    public static let forbidden =
        "\(prefix) Yêu cầu bị từ chối: hệ thống không được phép thực hiện yêu cầu này với CSDLQG về Dân cư."

    public static let expired =
        "\(prefix) Yêu cầu đã quá thời hạn xử lý trước khi có kết quả từ CSDLQG về Dân cư. Vui lòng thực hiện lại."

    public static let unavailable =
        "\(prefix) Không kết nối được với CSDLQG về Dân cư. Vui lòng thực hiện lại sau."

    /// The particulars the request gave, in the provinces' order; verify and lookup always give all three.
    private static func subject(_ fullName: String?, _ idNumber: String, _ dateOfBirth: BirthDate?) -> String {
        [fullName, idNumber, dateOfBirth?.displayText].compactMap { $0 }.joined(separator: ", ")
    }
}
