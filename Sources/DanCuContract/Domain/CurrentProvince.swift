/// A province as it has been since 1 July 2025, when the National Assembly's resolution of 12 June 2025
/// (202/2025/QH15) made 34 provincial units of the 63: 11 kept as they were, 23 formed by merging. Each lists
/// the former provinces it absorbed by their CCCD code. ID numbers issued before keep their prefix, so the
/// province of birth registration a CCCD names is one of the 63 (`Province`); `containing(formerCode:)` says
/// which of today's provinces it is part of.
public struct CurrentProvince: Sendable, Hashable {
    /// The name people write, e.g. `Hải Phòng`.
    public let name: String
    /// Lowercase ASCII letters, the form portal ids take (`PortalConfiguration.isValidId`), e.g. `haiphong`.
    public let portalId: String
    /// The CCCD codes of the former provinces it is made of; the one whose name it kept comes first.
    public let formerCodes: [String]

    public static let all: [CurrentProvince] = [
        // Kept as they were.
        ("Hà Nội", "hanoi", ["001"]), ("Cao Bằng", "caobang", ["004"]), ("Điện Biên", "dienbien", ["011"]),
        ("Lai Châu", "laichau", ["012"]), ("Sơn La", "sonla", ["014"]), ("Lạng Sơn", "langson", ["020"]),
        ("Quảng Ninh", "quangninh", ["022"]), ("Thanh Hóa", "thanhhoa", ["038"]), ("Nghệ An", "nghean", ["040"]),
        ("Hà Tĩnh", "hatinh", ["042"]), ("Huế", "hue", ["046"]),
        // Merged.
        ("Tuyên Quang", "tuyenquang", ["008", "002"]), ("Lào Cai", "laocai", ["010", "015"]),
        ("Thái Nguyên", "thainguyen", ["019", "006"]), ("Phú Thọ", "phutho", ["025", "026", "017"]),
        ("Bắc Ninh", "bacninh", ["027", "024"]), ("Hưng Yên", "hungyen", ["033", "034"]),
        ("Hải Phòng", "haiphong", ["031", "030"]), ("Ninh Bình", "ninhbinh", ["037", "035", "036"]),
        ("Quảng Trị", "quangtri", ["045", "044"]), ("Đà Nẵng", "danang", ["048", "049"]),
        ("Quảng Ngãi", "quangngai", ["051", "062"]), ("Gia Lai", "gialai", ["064", "052"]),
        ("Khánh Hòa", "khanhhoa", ["056", "058"]), ("Lâm Đồng", "lamdong", ["068", "067", "060"]),
        ("Đắk Lắk", "daklak", ["066", "054"]), ("Hồ Chí Minh", "hochiminh", ["079", "074", "077"]),
        ("Đồng Nai", "dongnai", ["075", "070"]), ("Tây Ninh", "tayninh", ["072", "080"]),
        ("Cần Thơ", "cantho", ["092", "094", "093"]), ("Vĩnh Long", "vinhlong", ["086", "083", "084"]),
        ("Đồng Tháp", "dongthap", ["087", "082"]), ("Cà Mau", "camau", ["096", "095"]),
        ("An Giang", "angiang", ["089", "091"]),
    ].map { CurrentProvince(name: $0.0, portalId: $0.1, formerCodes: $0.2) }

    private static let byFormerCode: [String: CurrentProvince] = Dictionary(
        uniqueKeysWithValues: all.flatMap { province in province.formerCodes.map { ($0, province) } }
    )

    /// Today's province that the former province with this CCCD code is part of.
    public static func containing(formerCode code: some StringProtocol) -> CurrentProvince? {
        byFormerCode[String(code)]
    }
}
