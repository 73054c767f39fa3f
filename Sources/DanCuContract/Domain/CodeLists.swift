/// One of the population database's code lists: the codes it sends (`"01"`) and the words the
/// gateway shows (`"Kinh"`).
public struct CodeTable: Sendable {
    public struct Entry: Sendable, Hashable {
        /// The code as the catalogue writes it, e.g. `"05"`.
        public let code: String
        /// The readable word the gateway uses, e.g. `"Khơ-me"`.
        public let name: String
        /// Other spellings in common use that mean the same entry (`"Khmer"`), accepted by `code(forName:)`.
        public let aliases: [String]

        public init(code: String, name: String, aliases: [String] = []) {
            self.code = code
            self.name = name
            self.aliases = aliases
        }
    }

    /// What the list describes, e.g. `"ethnicity"`; for messages.
    public let title: String
    /// Every entry that carries a word, in catalogue order.
    public let entries: [Entry]
    /// Codes that mean "nothing recorded" (blood type `"00"`): known, but without a word.
    public let noValueCodes: [String]

    private let namesByCode: [Int: String]
    private let noValueKeys: Set<Int>
    private let codesByName: [String: String]

    public init(title: String, entries: [Entry], noValueCodes: [String] = []) {
        self.title = title
        self.entries = entries
        self.noValueCodes = noValueCodes
        var namesByCode: [Int: String] = [:]
        var codesByName: [String: String] = [:]
        for entry in entries {
            if let key = Self.key(entry.code) { namesByCode[key] = entry.name }
            for word in [entry.name] + entry.aliases {
                codesByName[Self.foldedName(word)] = entry.code
            }
        }
        self.namesByCode = namesByCode
        self.codesByName = codesByName
        self.noValueKeys = Set(noValueCodes.compactMap(Self.key))
    }

    /// The word for `code`, or `nil` when the code is unknown or means "nothing recorded"
    /// (tell the two apart with `isNoValue(code:)`). `"5"` and `"05"` name the same entry,
    /// because sources differ in zero padding.
    public func name(forCode code: String) -> String? {
        Self.key(code).flatMap { namesByCode[$0] }
    }

    /// The catalogue code for `name` or one of its aliases, ignoring case and surrounding spaces.
    public func code(forName name: String) -> String? {
        codesByName[Self.foldedName(name)]
    }

    /// Whether `code` is one of the codes meaning "nothing recorded".
    public func isNoValue(code: String) -> Bool {
        Self.key(code).map(noValueKeys.contains) ?? false
    }

    /// Whether the list knows `code`, with or without a word.
    public func contains(code: String) -> Bool {
        name(forCode: code) != nil || isNoValue(code: code)
    }

    /// Codes are compared by numeric value; anything but 1-4 ASCII digits (surrounding spaces aside) is no code.
    private static func key(_ code: String) -> Int? {
        let parts = code.split(separator: " ")
        guard parts.count == 1, let digits = parts.first, (1...4).contains(digits.utf8.count),
            digits.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return nil }
        return Int(digits)
    }

    private static func foldedName(_ name: String) -> String {
        name.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ").lowercased()
    }
}

/// The population database's code lists the gateway maps to words.
public enum CodeLists {
    /// `GioiTinh`; the words are `Gender`'s raw values.
    public static let gender = CodeTable(
        title: "gender",
        entries: [
            .init(code: "1", name: Gender.male.rawValue),
            .init(code: "2", name: Gender.female.rawValue),
        ]
    )

    /// `TinhTrangHonNhan`.
    public static let maritalStatus = CodeTable(
        title: "marital status",
        entries: [
            .init(code: "1", name: "Chưa kết hôn"),
            .init(code: "2", name: "Đang có vợ/chồng"),
            .init(code: "3", name: "Đã ly hôn hoặc góa"),
        ]
    )

    /// `NhomMau`; `"00"` means the blood type was never recorded.
    public static let bloodType = CodeTable(
        title: "blood type",
        entries: [
            .init(code: "01", name: "A"),
            .init(code: "02", name: "B"),
            .init(code: "03", name: "AB"),
            .init(code: "04", name: "O"),
        ],
        noValueCodes: ["00"]
    )

    /// `DanToc`: the 54 ethnic groups with the codes of the national catalogue of ethnic groups
    /// (Decision 121-TCTK/PPCĐ of 1979, still the list the population database uses).
    public static let ethnicity = CodeTable(
        title: "ethnicity",
        entries: [
            .init(code: "01", name: "Kinh", aliases: ["Việt"]),
            .init(code: "02", name: "Tày"),
            .init(code: "03", name: "Thái"),
            .init(code: "04", name: "Hoa"),
            .init(code: "05", name: "Khơ-me", aliases: ["Khmer", "Khơ Me", "Khơme"]),
            .init(code: "06", name: "Mường"),
            .init(code: "07", name: "Nùng"),
            .init(code: "08", name: "Mông", aliases: ["H'Mông", "Hmông", "H'mông"]),
            .init(code: "09", name: "Dao"),
            .init(code: "10", name: "Gia-rai", aliases: ["Gia Rai", "Jrai"]),
            .init(code: "11", name: "Ngái"),
            .init(code: "12", name: "Ê-đê", aliases: ["Ê Đê", "Êđê"]),
            .init(code: "13", name: "Ba Na", aliases: ["Ba-na", "Bahnar"]),
            .init(code: "14", name: "Xơ-đăng", aliases: ["Xơ Đăng"]),
            .init(code: "15", name: "Sán Chay", aliases: ["Cao Lan - Sán Chỉ"]),
            .init(code: "16", name: "Cơ-ho", aliases: ["Cơ Ho", "K'Ho"]),
            .init(code: "17", name: "Chăm", aliases: ["Chàm"]),
            .init(code: "18", name: "Sán Dìu"),
            .init(code: "19", name: "Hrê", aliases: ["H're"]),
            .init(code: "20", name: "Mnông", aliases: ["M'Nông"]),
            .init(code: "21", name: "Ra-glai", aliases: ["Raglai", "Ra Glai"]),
            .init(code: "22", name: "Xtiêng", aliases: ["X'Tiêng"]),
            .init(code: "23", name: "Bru-Vân Kiều", aliases: ["Bru - Vân Kiều", "Vân Kiều"]),
            .init(code: "24", name: "Thổ"),
            .init(code: "25", name: "Giáy"),
            .init(code: "26", name: "Cơ-tu", aliases: ["Cơ Tu"]),
            .init(code: "27", name: "Gié-Triêng", aliases: ["Gié Triêng", "Giẻ Triêng"]),
            .init(code: "28", name: "Mạ"),
            .init(code: "29", name: "Khơ-mú", aliases: ["Khơ Mú", "Khmú"]),
            .init(code: "30", name: "Co"),
            .init(code: "31", name: "Tà-ôi", aliases: ["Tà Ôi", "Pa Cô"]),
            .init(code: "32", name: "Chơ-ro", aliases: ["Chơ Ro"]),
            .init(code: "33", name: "Kháng"),
            .init(code: "34", name: "Xinh-mun", aliases: ["Xinh Mun"]),
            .init(code: "35", name: "Hà Nhì"),
            .init(code: "36", name: "Chu-ru", aliases: ["Chu Ru"]),
            .init(code: "37", name: "Lào"),
            .init(code: "38", name: "La Chí"),
            .init(code: "39", name: "La Ha"),
            .init(code: "40", name: "Phù Lá"),
            .init(code: "41", name: "La Hủ"),
            .init(code: "42", name: "Lự"),
            .init(code: "43", name: "Lô Lô"),
            .init(code: "44", name: "Chứt"),
            .init(code: "45", name: "Mảng"),
            .init(code: "46", name: "Pà Thẻn"),
            .init(code: "47", name: "Cơ Lao", aliases: ["Cờ Lao"]),
            .init(code: "48", name: "Cống"),
            .init(code: "49", name: "Bố Y"),
            .init(code: "50", name: "Si La"),
            .init(code: "51", name: "Pu Péo"),
            .init(code: "52", name: "Brâu"),
            .init(code: "53", name: "Ơ-đu", aliases: ["Ơ Đu"]),
            .init(code: "54", name: "Rơ-măm", aliases: ["Rơ Măm"]),
        ]
    )

    /// `TonGiao`: no religion, then the recognised religions in the order of recognition that public
    /// catalogues follow; no source at hand gave the database's own numbers, so these are ours.
    public static let religion = CodeTable(
        title: "religion",
        entries: [
            .init(code: "00", name: "Không", aliases: ["Không có", "Không tôn giáo"]),
            .init(code: "01", name: "Phật giáo"),
            .init(code: "02", name: "Công giáo", aliases: ["Thiên Chúa giáo"]),
            .init(code: "03", name: "Tin lành"),
            .init(code: "04", name: "Cao đài"),
            .init(code: "05", name: "Phật giáo Hòa Hảo", aliases: ["Hòa Hảo"]),
            .init(code: "06", name: "Hồi giáo"),
            .init(code: "07", name: "Baha'i", aliases: ["Tôn giáo Baha'i"]),
            .init(code: "08", name: "Tịnh độ Cư sĩ Phật hội Việt Nam", aliases: ["Tịnh độ Cư sỹ Phật hội"]),
            .init(code: "09", name: "Cơ đốc Phục lâm"),
            .init(code: "10", name: "Phật giáo Tứ Ân Hiếu nghĩa", aliases: ["Tứ Ân Hiếu nghĩa"]),
            .init(code: "11", name: "Minh Sư đạo"),
            .init(code: "12", name: "Minh Lý đạo - Tam Tông Miếu", aliases: ["Minh Lý đạo"]),
            .init(code: "13", name: "Bà-la-môn", aliases: ["Bà La Môn", "Bà-la-môn giáo"]),
            .init(code: "14", name: "Mặc môn", aliases: ["Các Thánh hữu Ngày sau của Chúa Giê-su Ky-tô"]),
            .init(code: "15", name: "Phật giáo Hiếu Nghĩa Tà Lơn"),
            .init(code: "16", name: "Bửu Sơn Kỳ Hương"),
        ]
    )
}
