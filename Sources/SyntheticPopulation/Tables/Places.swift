/// Words for the street or hamlet part of an address (`ChiTiet`), uppercase as the database writes them.
enum Places {
    /// Streets named after people and events, as in every Vietnamese town.
    static let streets: [String] = [
        "LÊ LỢI", "TRẦN HƯNG ĐẠO", "NGUYỄN TRÃI", "HAI BÀ TRƯNG", "LÝ THƯỜNG KIỆT", "QUANG TRUNG",
        "NGUYỄN HUỆ", "LÊ DUẨN", "PHAN CHU TRINH", "PHAN BỘI CHÂU", "HÙNG VƯƠNG", "ĐIỆN BIÊN PHỦ",
        "NGUYỄN DU", "TRẦN PHÚ", "LÊ HỒNG PHONG", "NGUYỄN VĂN CỪ", "VÕ THỊ SÁU", "CÁCH MẠNG THÁNG TÁM",
        "BÀ TRIỆU", "NGÔ QUYỀN", "LÝ TỰ TRỌNG", "NGUYỄN THỊ MINH KHAI", "PHẠM VĂN ĐỒNG", "TÔN ĐỨC THẮNG",
        "HOÀNG VĂN THỤ", "NGUYỄN ĐÌNH CHIỂU", "TRƯỜNG CHINH", "LÊ THÁNH TÔN", "ĐINH TIÊN HOÀNG", "YÊN THẾ",
        "30 THÁNG 4", "3 THÁNG 2", "NGUYỄN VĂN LINH", "HUỲNH THÚC KHÁNG", "CHU VĂN AN", "TRẦN QUỐC TOẢN",
    ]

    /// Hamlet names of good omen, common across the country.
    static let hamletNames: [String] = [
        "ĐÔNG", "TÂY", "NAM", "BẮC", "TRUNG", "PHÚ HÒA", "AN THẠNH", "BÌNH AN", "TÂN LẬP", "HÒA BÌNH",
        "THẠNH LỢI", "PHÚ LỢI", "AN PHÚ", "TÂN HƯNG", "MỸ HIỆP", "ĐOÀN KẾT", "THỐNG NHẤT", "QUYẾT THẮNG",
        "HƯNG THỊNH", "LONG HÒA", "VĨNH THẠNH", "PHƯỚC LỘC", "XUÂN LAI", "NHÂN HÒA",
    ]

    /// Village names in the northern uplands, where hamlets are `BẢN` with Tày-Thái names.
    static let uplandVillageNames: [String] = [
        "NÀ PHẶC", "NÀ LƯỜNG", "PẮC NẶM", "HUỔI LÓNG", "KHAU VAI", "NẬM CANG", "PÁC BÓ", "TÀ XÙA",
        "NÀ HANG", "CỐC LY", "PHIÊNG LUÔNG", "BẢN LẦU",
    ]

    /// Village names in the Central Highlands (`BUÔN`, `PLEI`, `BON`).
    static let highlandVillageNames: [String] = [
        "KO SIER", "ALÊ A", "TUNG", "KRONG", "ĐÔN", "JUN", "PHAO", "ĐRĂNG", "KOTU", "DƠ LĂM", "BRIU", "KOL",
    ]

    /// The word for a rural hamlet, by region, with relative weights.
    static func hamletWords(_ region: ProvinceProfile.Region) -> WeightedList<String> {
        switch region {
        case .northernUplands: uplandHamletWords
        case .redRiverDelta: deltaHamletWords
        case .central: centralHamletWords
        case .centralHighlands: highlandHamletWords
        case .south: southernHamletWords
        }
    }

    private static let uplandHamletWords = WeightedList([("THÔN", 45), ("BẢN", 40), ("XÓM", 15)])
    private static let deltaHamletWords = WeightedList([("THÔN", 60), ("XÓM", 30), ("TỔ DÂN PHỐ", 10)])
    private static let centralHamletWords = WeightedList([("THÔN", 70), ("XÓM", 20), ("KHỐI", 10)])
    private static let highlandHamletWords = WeightedList([("THÔN", 60), ("BUÔN", 25), ("PLEI", 10), ("BON", 5)])
    private static let southernHamletWords = WeightedList([("ẤP", 80), ("KHU PHỐ", 20)])

    /// Share of addresses that are a street address rather than a hamlet, per thousand: most in a ward
    /// (`PHƯỜNG`), few in a rural commune (`XÃ`).
    static func streetPerMille(isUrban: Bool) -> Int { isUrban ? 850 : 120 }

    /// How many ward codes each synthetic district owns.
    static let wardsPerDistrict = 15

    /// How many former wards make one commune of the two-level form (about 10,000 became 3,321 in 2025).
    static let wardsPerCommune = 3

    static let communesPerDistrict = wardsPerDistrict / wardsPerCommune

    /// Names of communes and wards (`XÃ`, `PHƯỜNG`), the same words all over the country.
    static let communeNames: [String] = [
        "TÂN TIẾN", "HƯNG ĐẠO", "QUANG TRUNG", "ĐỒNG TÂM", "HÒA AN", "PHÚ LÂM", "TÂN PHONG", "HỒNG PHONG",
        "NAM SƠN", "BÌNH MINH", "THỊNH LONG", "VĨNH HÒA", "AN NHƠN", "MỸ THẠNH", "LONG PHÚ", "TÂN HIỆP",
        "THUẬN AN", "PHÚ MỸ", "ĐÔNG HƯNG", "XUÂN PHƯƠNG", "THỐNG NHẤT", "TRUNG HÒA", "HIỆP HÒA", "KIM LIÊN",
        "PHƯỚC LONG", "TÂN THÀNH", "YÊN LẠC", "ĐỨC THẮNG", "AN LẠC", "BÌNH AN", "NGHĨA ĐÔ", "CẨM VŨ",
    ]

    /// Names of the former districts (`HUYỆN`, `QUẬN`, `THÀNH PHỐ`), as common as the communes'.
    static let districtNames: [String] = [
        "CHÂU THÀNH", "PHÚ TÂN", "TÂN CHÂU", "VĨNH BẢO", "KIM SƠN", "TAM ĐẢO", "LẠC SƠN", "CẨM GIÀNG",
        "THANH SƠN", "TRIỆU PHONG", "HƯƠNG TRÀ", "ĐỨC PHỔ", "NAM ĐÔNG", "BÌNH XUYÊN", "YÊN THÀNH", "HÒA VANG",
        "LONG THÀNH", "MỎ CÀY", "THOẠI SƠN", "KINH MÔN",
    ]
}
