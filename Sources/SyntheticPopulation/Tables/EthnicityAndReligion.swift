/// Who lives where: each province's ethnic mix and the religions by group and province, in tenths
/// of a percent, after 2019 census figures, rounded and simplified (Kinh take what the listed groups
/// leave; "Không" what the listed religions leave).
/// Every word here is a name from `CodeLists`; the tests check it.
enum Demographics {
    static func ethnicities(provinceCode: String) -> WeightedList<String> {
        ethnicityByProvince[provinceCode] ?? defaultEthnicities
    }

    static func religions(ethnicity: String, provinceCode: String) -> WeightedList<String> {
        if ethnicity == "Kinh" { return kinhReligionByProvince[provinceCode] ?? kinhReligions }
        return religionByEthnicity[ethnicity] ?? minorityReligions
    }

    private static func mix(_ minorities: [(String, Int)]) -> WeightedList<String> {
        let minorityShare = minorities.reduce(0) { $0 + $1.1 }
        return WeightedList([("Kinh", max(0, 1000 - minorityShare))] + minorities)
    }

    private static func religionMix(_ religions: [(String, Int)]) -> WeightedList<String> {
        let share = religions.reduce(0) { $0 + $1.1 }
        return WeightedList([("Không", max(0, 1000 - share))] + religions)
    }

    private static let defaultEthnicities = mix([("Hoa", 2), ("Tày", 2), ("Mường", 2), ("Nùng", 1)])

    private static let ethnicityByProvince: [String: WeightedList<String>] = [
        "001": mix([("Mường", 3), ("Tày", 2), ("Thái", 1), ("Nùng", 1), ("Hoa", 1)]),
        "002": mix([
            ("Mông", 330), ("Tày", 230), ("Dao", 150), ("Nùng", 100), ("Giáy", 20), ("La Chí", 20), ("Lô Lô", 5),
            ("Phù Lá", 5),
        ]),
        "004": mix([("Tày", 410), ("Nùng", 310), ("Mông", 110), ("Dao", 100), ("Sán Chay", 10), ("Lô Lô", 5)]),
        "006": mix([("Tày", 520), ("Dao", 170), ("Nùng", 90), ("Mông", 70), ("Sán Chay", 10)]),
        "008": mix([
            ("Tày", 250), ("Dao", 120), ("Sán Chay", 80), ("Mông", 20), ("Nùng", 20), ("Sán Dìu", 10), ("Pà Thẻn", 5),
        ]),
        "010": mix([
            ("Mông", 250), ("Tày", 150), ("Dao", 140), ("Giáy", 50), ("Nùng", 40), ("Hà Nhì", 10), ("Phù Lá", 10),
            ("Bố Y", 2),
        ]),
        "011": mix([
            ("Thái", 380), ("Mông", 350), ("Khơ-mú", 30), ("Lào", 10), ("Hà Nhì", 10), ("Kháng", 5), ("Si La", 1),
        ]),
        "012": mix([
            ("Thái", 330), ("Mông", 240), ("Dao", 130), ("Giáy", 50), ("Hà Nhì", 40), ("La Hủ", 20), ("Lự", 10),
            ("Mảng", 7), ("Cống", 4), ("Si La", 1),
        ]),
        "014": mix([
            ("Thái", 530), ("Mông", 170), ("Mường", 80), ("Xinh-mun", 20), ("Dao", 20), ("Khơ-mú", 10), ("La Ha", 10),
            ("Kháng", 10),
        ]),
        "015": mix([("Tày", 190), ("Mông", 110), ("Dao", 100), ("Thái", 60), ("Mường", 10), ("Giáy", 5)]),
        "017": mix([("Mường", 630), ("Thái", 40), ("Tày", 30), ("Dao", 20), ("Mông", 10)]),
        "019": mix([
            ("Tày", 100), ("Nùng", 50), ("Sán Dìu", 30), ("Sán Chay", 30), ("Dao", 20), ("Mông", 5), ("Hoa", 2),
        ]),
        "020": mix([("Nùng", 420), ("Tày", 350), ("Dao", 35), ("Sán Chay", 5), ("Hoa", 3)]),
        "022": mix([("Dao", 50), ("Tày", 30), ("Sán Dìu", 20), ("Sán Chay", 15), ("Hoa", 3), ("Ngái", 1)]),
        "024": mix([
            ("Nùng", 50), ("Tày", 30), ("Sán Chay", 25), ("Sán Dìu", 20), ("Dao", 13), ("Hoa", 10), ("Ngái", 1),
        ]),
        "025": mix([("Mường", 135), ("Dao", 15), ("Sán Chay", 5)]),
        "026": mix([("Sán Dìu", 30)]),
        "038": mix([("Mường", 90), ("Thái", 60), ("Mông", 4), ("Dao", 2), ("Thổ", 2)]),
        "040": mix([("Thái", 100), ("Khơ-mú", 13), ("Mông", 10), ("Thổ", 10), ("Ơ-đu", 1)]),
        "044": mix([("Bru-Vân Kiều", 20), ("Chứt", 6)]),
        "045": mix([("Bru-Vân Kiều", 90), ("Tà-ôi", 40)]),
        "046": mix([("Tà-ôi", 30), ("Cơ-tu", 15), ("Bru-Vân Kiều", 3)]),
        "049": mix([("Cơ-tu", 40), ("Xơ-đăng", 30), ("Gié-Triêng", 15), ("Co", 5)]),
        "051": mix([("Hrê", 100), ("Co", 25), ("Xơ-đăng", 15)]),
        "052": mix([("Ba Na", 15), ("Chăm", 3), ("Hrê", 3)]),
        "054": mix([("Ê-đê", 25), ("Chăm", 20), ("Ba Na", 5)]),
        "056": mix([("Ra-glai", 40), ("Cơ-ho", 2), ("Hoa", 2)]),
        "058": mix([("Chăm", 120), ("Ra-glai", 120), ("Cơ-ho", 5), ("Hoa", 3)]),
        "060": mix([("Chăm", 30), ("Ra-glai", 10), ("Hoa", 5), ("Cơ-ho", 3)]),
        "062": mix([("Xơ-đăng", 240), ("Ba Na", 120), ("Gié-Triêng", 60), ("Gia-rai", 40), ("Brâu", 1), ("Rơ-măm", 1)]),
        "064": mix([("Gia-rai", 340), ("Ba Na", 120), ("Tày", 6), ("Nùng", 5), ("Mường", 3), ("Thái", 3)]),
        "066": mix([
            ("Ê-đê", 180), ("Nùng", 35), ("Tày", 30), ("Mnông", 25), ("Mông", 15), ("Dao", 15), ("Gia-rai", 10),
        ]),
        "067": mix([("Mnông", 80), ("Nùng", 55), ("Mông", 55), ("Tày", 50), ("Dao", 25), ("Mạ", 10), ("Ê-đê", 7)]),
        "068": mix([("Cơ-ho", 120), ("Mạ", 25), ("Tày", 15), ("Nùng", 15), ("Chu-ru", 15), ("Hoa", 10)]),
        "070": mix([("Xtiêng", 80), ("Khơ-me", 15), ("Nùng", 15), ("Tày", 10), ("Mnông", 10)]),
        "072": mix([("Khơ-me", 7), ("Chăm", 3), ("Hoa", 3)]),
        "074": mix([("Hoa", 10), ("Khơ-me", 4), ("Tày", 2)]),
        "075": mix([("Hoa", 30), ("Nùng", 6), ("Tày", 6), ("Chơ-ro", 6), ("Mạ", 1)]),
        "077": mix([("Hoa", 13), ("Chơ-ro", 7)]),
        "079": mix([("Hoa", 45), ("Khơ-me", 5), ("Chăm", 1)]),
        "084": mix([("Khơ-me", 315), ("Hoa", 5)]),
        "086": mix([("Khơ-me", 20), ("Hoa", 3)]),
        "089": mix([("Khơ-me", 40), ("Chăm", 7), ("Hoa", 4)]),
        "091": mix([("Khơ-me", 125), ("Hoa", 15)]),
        "092": mix([("Khơ-me", 12), ("Hoa", 10)]),
        "093": mix([("Khơ-me", 20), ("Hoa", 3)]),
        "094": mix([("Khơ-me", 300), ("Hoa", 50)]),
        "095": mix([("Khơ-me", 75), ("Hoa", 25)]),
        "096": mix([("Khơ-me", 12), ("Hoa", 2)]),
    ]

    private static let kinhReligions = religionMix([
        ("Phật giáo", 60), ("Công giáo", 60), ("Tin lành", 4), ("Cao đài", 4), ("Phật giáo Hòa Hảo", 1),
        ("Tịnh độ Cư sĩ Phật hội Việt Nam", 1), ("Minh Sư đạo", 1),
    ])

    private static let kinhReligionByProvince: [String: WeightedList<String>] = [
        "001": religionMix([("Phật giáo", 50), ("Công giáo", 25), ("Tin lành", 2)]),
        "036": religionMix([("Công giáo", 170), ("Phật giáo", 20)]),
        "037": religionMix([("Công giáo", 160), ("Phật giáo", 20)]),
        "034": religionMix([("Công giáo", 80), ("Phật giáo", 20)]),
        "040": religionMix([("Công giáo", 70), ("Phật giáo", 10)]),
        "042": religionMix([("Công giáo", 80), ("Phật giáo", 10)]),
        "044": religionMix([("Công giáo", 80), ("Phật giáo", 20)]),
        "046": religionMix([("Phật giáo", 250), ("Công giáo", 30)]),
        "048": religionMix([("Phật giáo", 150), ("Công giáo", 50), ("Cao đài", 20)]),
        "072": religionMix([("Cao đài", 350), ("Phật giáo", 100), ("Công giáo", 30)]),
        "075": religionMix([("Công giáo", 300), ("Phật giáo", 150), ("Tin lành", 10), ("Cao đài", 10)]),
        "079": religionMix([
            ("Phật giáo", 150), ("Công giáo", 80), ("Cao đài", 10), ("Tin lành", 5),
            ("Tịnh độ Cư sĩ Phật hội Việt Nam", 3),
            ("Baha'i", 1),
        ]),
        "083": religionMix([("Cao đài", 80), ("Phật giáo", 80), ("Công giáo", 30), ("Phật giáo Tứ Ân Hiếu nghĩa", 2)]),
        "087": religionMix([("Phật giáo Hòa Hảo", 150), ("Phật giáo", 80), ("Cao đài", 30), ("Công giáo", 10)]),
        "089": religionMix([
            ("Phật giáo Hòa Hảo", 400), ("Phật giáo", 100), ("Cao đài", 20), ("Công giáo", 20), ("Bửu Sơn Kỳ Hương", 3),
            ("Phật giáo Tứ Ân Hiếu nghĩa", 3), ("Phật giáo Hiếu Nghĩa Tà Lơn", 2),
        ]),
        "092": religionMix([("Phật giáo Hòa Hảo", 100), ("Phật giáo", 100), ("Cao đài", 30), ("Công giáo", 20)]),
        "086": religionMix([("Phật giáo Hòa Hảo", 50), ("Phật giáo", 80), ("Cao đài", 30), ("Công giáo", 30)]),
    ]

    private static let minorityReligions = religionMix([("Tin lành", 50), ("Công giáo", 30), ("Phật giáo", 20)])

    private static let highlandReligions = religionMix([("Tin lành", 350), ("Công giáo", 200), ("Phật giáo", 10)])

    private static let religionByEthnicity: [String: WeightedList<String>] = [
        "Khơ-me": religionMix([("Phật giáo", 900), ("Công giáo", 10)]),
        "Hoa": religionMix([("Phật giáo", 300), ("Công giáo", 50), ("Tin lành", 10)]),
        "Chăm": religionMix([("Bà-la-môn", 400), ("Hồi giáo", 350)]),
        "Mông": religionMix([("Tin lành", 200), ("Công giáo", 30)]),
        "Ê-đê": highlandReligions,
        "Gia-rai": highlandReligions,
        "Ba Na": highlandReligions,
        "Xơ-đăng": highlandReligions,
        "Mnông": highlandReligions,
        "Cơ-ho": highlandReligions,
    ]
}
