import DanCuContract

/// How an ethnic group's names are built, with name parts written as the database prints them (uppercase).
struct NamingStyle: Sendable {
    enum Order: Sendable {
        /// Surname, middle name, given name: `NGUYỄN THỊ HƯƠNG`, `GIÀNG A PÁO`.
        case surnameFirst
        /// Gender prefix, given name, clan name last: `Y BLÔNG NIÊ`, `H' HEN ÊBAN` (Ê-đê).
        case clanLast
    }

    let order: Order
    let surnames: WeightedList<String>
    let maleMiddle: WeightedList<String>
    let femaleMiddle: WeightedList<String>
    let maleGiven: WeightedList<String>
    let femaleGiven: WeightedList<String>
    /// Whether the Kinh habit applies of `VĂN` for men and `THỊ` for women, near universal for
    /// the old and ever rarer for the young; otherwise the middle lists alone decide.
    let followsKinhFashion: Bool

    init(
        order: Order = .surnameFirst,
        surnames: [(String, Int)],
        maleMiddle: [(String, Int)] = NameParts.kinhMaleMiddle,
        femaleMiddle: [(String, Int)] = NameParts.kinhFemaleMiddle,
        maleGiven: [String] = NameParts.kinhMaleGiven,
        femaleGiven: [String] = NameParts.kinhFemaleGiven,
        followsKinhFashion: Bool = true
    ) {
        self.order = order
        self.surnames = WeightedList(surnames)
        self.maleMiddle = WeightedList(maleMiddle)
        self.femaleMiddle = WeightedList(femaleMiddle)
        self.maleGiven = WeightedList(uniform: maleGiven)
        self.femaleGiven = WeightedList(uniform: femaleGiven)
        self.followsKinhFashion = followsKinhFashion
    }

    /// The style for an ethnicity word from `CodeLists.ethnicity`; Kinh naming, northern or southern,
    /// for groups without their own.
    static func forEthnicity(_ ethnicity: String, southern: Bool) -> NamingStyle {
        byEthnicity[ethnicity] ?? (southern ? kinhSouth : kinhNorth)
    }

    static let kinhNorth = NamingStyle(surnames: NameParts.kinhSurnames(southern: false))
    static let kinhSouth = NamingStyle(surnames: NameParts.kinhSurnames(southern: true))

    private static let byEthnicity: [String: NamingStyle] = [
        "Hoa": NamingStyle(surnames: [
            ("LÂM", 20), ("TRƯƠNG", 15), ("LÝ", 15), ("QUÁCH", 8), ("TRẦN", 10), ("HUỲNH", 8), ("LƯU", 8),
            ("DIỆP", 5), ("MÃ", 5), ("HỨA", 5), ("TẠ", 4), ("CHÂU", 6), ("TĂNG", 4), ("LA", 3),
        ]),
        "Khơ-me": NamingStyle(
            surnames: [
                ("THẠCH", 30), ("SƠN", 20), ("DANH", 18), ("KIM", 10), ("LÂM", 6), ("CHÂU", 6), ("LÝ", 4),
                ("TRẦN", 3), ("HUỲNH", 3),
            ],
            maleMiddle: [("", 70), ("VĂN", 30)],
            femaleMiddle: [("THỊ", 80), ("", 20)],
            maleGiven: [
                "SA RÊN", "SÔ PHOL", "SÓC", "RA", "CHANH", "THA", "KHEM", "SA MOL", "PHOL", "SÂM", "NÍT", "RÔ", "SA VY",
                "KOL",
            ],
            femaleGiven: [
                "SA RI", "SÔ PHI", "MA LY", "SA RANH", "THÂY", "KIM", "SÔ KHA", "RA NY", "CHANH THA", "SA MAY", "ĐA RA",
                "SA NY",
            ],
            followsKinhFashion: false
        ),
        "Mông": NamingStyle(
            surnames: [
                ("GIÀNG", 22), ("VÀNG", 18), ("LẦU", 10), ("SÙNG", 12), ("THÀO", 12), ("MÙA", 8), ("LY", 6),
                ("HẦU", 4), ("VỪ", 4), ("HẠNG", 3), ("CHẢO", 2), ("LÝ", 3),
            ],
            maleMiddle: [("A", 75), ("MÍ", 10), ("SEO", 15)],
            femaleMiddle: [("THỊ", 80), ("", 20)],
            maleGiven: [
                "PÁO", "SỬ", "CHỨ", "DÌNH", "SÀNG", "TỦA", "DẾ", "PHỪ", "CHÍNH", "LỀNH", "NÁ", "SÈO", "CHÚ", "SÁY",
                "DỈ",
            ],
            femaleGiven: ["MỶ", "DỢ", "SUA", "DUA", "CHÁ", "PÀ", "MAI", "DÍNH", "MÁY", "SÚA", "DI", "PÁNG", "LÌA"],
            followsKinhFashion: false
        ),
        "Thái": NamingStyle(surnames: [
            ("LÒ", 22), ("LƯỜNG", 16), ("CẦM", 10), ("QUÀNG", 8), ("VI", 8), ("LỘC", 5), ("HÀ", 10),
            ("TÒNG", 6), ("ĐIÊU", 5), ("LÙ", 4), ("MÈ", 3), ("BẠC", 3),
        ]),
        "Tày": NamingStyle(surnames: tayNung),
        "Nùng": NamingStyle(surnames: tayNung),
        "Mường": NamingStyle(surnames: [
            ("BÙI", 40), ("ĐINH", 25), ("QUÁCH", 12), ("HÀ", 10), ("BẠCH", 5), ("XA", 4), ("CAO", 4),
        ]),
        "Dao": NamingStyle(surnames: [
            ("TRIỆU", 30), ("BÀN", 25), ("ĐẶNG", 15), ("LÝ", 10), ("CHẢO", 8), ("PHÙNG", 6), ("TẨN", 6),
        ]),
        "Gia-rai": NamingStyle(
            surnames: [
                ("KSOR", 25), ("RƠ MAH", 20), ("SIU", 18), ("RƠ CHĂM", 12), ("PUIH", 8), ("KPĂ", 8), ("NAY", 5),
                ("RAHLAN", 4),
            ],
            maleMiddle: [("", 80), ("VĂN", 20)],
            femaleMiddle: [("H'", 60), ("THỊ", 40)],
            followsKinhFashion: false
        ),
        "Ê-đê": NamingStyle(
            order: .clanLast,
            surnames: [
                ("NIÊ", 30), ("ÊBAN", 15), ("BYĂ", 12), ("KSƠR", 10), ("MLÔ", 10), ("ADRƠNG", 8), ("HMOK", 6),
                ("KBUÔR", 5), ("BKRÔNG", 4),
            ],
            maleMiddle: [("Y", 1)],
            femaleMiddle: [("H'", 1)],
            maleGiven: ["BLÔNG", "ĐHUÊ", "KHUÊ", "NGÔNG", "SIM", "JÔN", "BHIN", "THUỘT", "WANG", "MOAN", "KƠNG"],
            femaleGiven: ["HEN", "BLIM", "DUNG", "LY", "RIM", "HƯƠNG", "NGUYÊN", "ĐIM", "XUYÊN", "LAN", "JUĂN"],
            followsKinhFashion: false
        ),
        "Chăm": NamingStyle(surnames: [
            ("THỔ", 15), ("ĐẠO", 12), ("DIỆP", 8), ("QUẢNG", 12), ("LƯU", 8), ("BÁ", 8), ("HÁN", 6),
            ("THIÊN", 6), ("TRƯỢNG", 5), ("MÃ", 5), ("KIỀU", 5), ("SƠN", 5),
        ]),
    ]

    private static let tayNung: [(String, Int)] = [
        ("HOÀNG", 25), ("NÔNG", 18), ("LƯƠNG", 10), ("VI", 8), ("HÀ", 8), ("LĂNG", 5), ("TRIỆU", 6),
        ("MA", 5), ("LỤC", 4), ("ĐÀM", 4), ("BẾ", 4), ("HỨA", 3), ("LÝ", 4),
    ]
}

/// Kinh name parts: the default for everyone whose group has no style of its own.
enum NameParts {
    /// Shares close to published estimates: Nguyễn near 38%, then Trần, Lê, Phạm, Hoàng/Huỳnh, ...
    /// The South writes Hoàng as Huỳnh and Vũ as Võ (an old naming taboo), so the pairs swap weight by region.
    static func kinhSurnames(southern: Bool) -> [(String, Int)] {
        let regional: [(String, Int)] =
            southern
            ? [("HOÀNG", 6), ("HUỲNH", 45), ("VŨ", 4), ("VÕ", 35)]
            : [("HOÀNG", 48), ("HUỲNH", 3), ("VŨ", 36), ("VÕ", 3)]
        return regional + commonKinhSurnames
    }

    private static let commonKinhSurnames: [(String, Int)] = [
        ("NGUYỄN", 380), ("TRẦN", 115), ("LÊ", 95), ("PHẠM", 70), ("PHAN", 45), ("ĐẶNG", 21), ("BÙI", 20), ("ĐỖ", 14),
        ("HỒ", 13), ("NGÔ", 13), ("DƯƠNG", 10),
        ("LÝ", 5), ("ĐINH", 6), ("ĐOÀN", 5), ("TRƯƠNG", 6), ("LÂM", 4), ("MAI", 4), ("TRỊNH", 4), ("CAO", 3),
        ("LƯƠNG", 3), ("TẠ", 2), ("HÀ", 3), ("LƯU", 2), ("TÔ", 2), ("CHÂU", 2), ("QUÁCH", 1), ("KIỀU", 1),
        ("TỪ", 1), ("TĂNG", 1), ("THÁI", 1), ("TRIỆU", 1), ("LA", 1), ("VƯƠNG", 1), ("PHÙNG", 1), ("KHỔNG", 1),
    ]

    static let kinhMaleMiddle: [(String, Int)] = [
        ("ĐỨC", 8), ("MINH", 10), ("QUANG", 7), ("HỮU", 6), ("CÔNG", 5), ("XUÂN", 4),
        ("THANH", 5), ("NGỌC", 3), ("TRUNG", 3), ("HOÀNG", 4), ("GIA", 3), ("BẢO", 2),
    ]

    static let kinhFemaleMiddle: [(String, Int)] = [
        ("NGỌC", 9), ("THU", 5), ("THANH", 6), ("MINH", 4), ("HỒNG", 5), ("KIM", 5),
        ("PHƯƠNG", 4), ("BẢO", 3), ("KHÁNH", 3), ("THÙY", 4), ("MỸ", 3), ("HOÀI", 2), ("GIA", 2),
    ]

    static let kinhMaleGiven: [String] = [
        "HÙNG", "DŨNG", "NAM", "TUẤN", "MINH", "HẢI", "LONG", "HUY", "ĐỨC", "THÀNH", "SƠN", "TRUNG", "HIẾU",
        "KHOA", "PHONG", "QUÂN", "BẢO", "ANH", "KHANG", "PHÚC", "LỢI", "TÂM", "TÀI", "THẮNG", "VINH",
        "QUANG", "HOÀNG", "CƯỜNG", "DƯƠNG", "TÚ", "TOÀN", "KHƯƠNG", "LÂM", "KIÊN", "HẬU", "BÌNH", "TIẾN",
        "THỊNH", "PHÁT", "ĐẠT", "HƯNG", "THIỆN", "NGHĨA", "LỘC", "HÒA", "TRÍ", "KHẢI", "VIỆT", "AN", "TÙNG",
    ]

    static let kinhFemaleGiven: [String] = [
        "HƯƠNG", "LAN", "HOA", "MAI", "LINH", "TRANG", "HÀ", "THẢO", "NGA", "HẰNG", "YẾN", "NHUNG", "PHƯƠNG",
        "NGỌC", "ANH", "VY", "TRÂM", "THÚY", "HIỀN", "DUNG", "LOAN", "OANH", "HUYỀN", "GIANG", "QUỲNH", "THU",
        "VÂN", "XUÂN", "MY", "NHI", "TUYẾT", "CHI", "DIỄM", "THƠ", "LIÊN", "HẠNH", "CÚC", "ĐÀO", "NHƯ", "TÂM",
    ]
}
