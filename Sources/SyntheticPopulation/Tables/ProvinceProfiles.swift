import DanCuContract

/// What the population needs to know about a province beyond its code and name.
struct ProvinceProfile: Sendable {
    enum Region: Sendable {
        case northernUplands, redRiverDelta, central, centralHighlands, south
    }

    let province: Province
    /// Inhabitants in thousands (2019 census, rounded): the weight of births registered there.
    let population: Int
    /// Districts before the 2025 reform; sizes the synthetic district and ward code blocks.
    let districts: Int
    /// A centrally governed city ("Thành phố"), otherwise a province ("Tỉnh").
    let isCity: Bool
    let region: Region
    /// How addresses write the province, e.g. `"TỈNH AN GIANG"`.
    let addressName: String
    /// The two-digit administrative code addresses carry (`"89"`), from the CCCD's three digits.
    let administrativeCode: String
    /// The CCCD's three digits as a number (89).
    let numericCode: Int
    /// From Thừa Thiên Huế southwards, the lands of the Nguyễn lords, where southern name spellings hold.
    var isSouthern: Bool { numericCode >= 46 }

    init(province: Province, population: Int, districts: Int, isCity: Bool, region: Region) {
        self.province = province
        self.population = population
        self.districts = districts
        self.isCity = isCity
        self.region = region
        addressName = (isCity ? "THÀNH PHỐ " : "TỈNH ") + province.name.uppercased()
        administrativeCode = String(province.code.dropFirst())
        numericCode = province.code.utf8.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }

    /// In `Province.all` order. A missing or extra code is caught by the tests.
    static let all: [ProvinceProfile] = {
        let facts: [String: (population: Int, districts: Int, isCity: Bool, region: Region)] = [
            "001": (8054, 30, true, .redRiverDelta), "002": (854, 11, false, .northernUplands),
            "004": (530, 10, false, .northernUplands), "006": (314, 8, false, .northernUplands),
            "008": (785, 7, false, .northernUplands), "010": (731, 9, false, .northernUplands),
            "011": (599, 10, false, .northernUplands), "012": (460, 8, false, .northernUplands),
            "014": (1248, 12, false, .northernUplands), "015": (822, 9, false, .northernUplands),
            "017": (854, 10, false, .northernUplands), "019": (1287, 9, false, .northernUplands),
            "020": (782, 11, false, .northernUplands), "022": (1320, 13, false, .redRiverDelta),
            "024": (1804, 10, false, .northernUplands), "025": (1464, 13, false, .northernUplands),
            "026": (1152, 9, false, .redRiverDelta), "027": (1369, 8, false, .redRiverDelta),
            "030": (1893, 12, false, .redRiverDelta), "031": (2029, 15, true, .redRiverDelta),
            "033": (1253, 10, false, .redRiverDelta), "034": (1861, 8, false, .redRiverDelta),
            "035": (853, 6, false, .redRiverDelta), "036": (1781, 10, false, .redRiverDelta),
            "037": (983, 8, false, .redRiverDelta), "038": (3641, 26, false, .central),
            "040": (3327, 21, false, .central), "042": (1289, 13, false, .central),
            "044": (896, 8, false, .central), "045": (633, 10, false, .central),
            "046": (1129, 9, false, .central), "048": (1135, 8, true, .central),
            "049": (1496, 18, false, .central), "051": (1232, 13, false, .central),
            "052": (1487, 11, false, .central), "054": (873, 9, false, .central),
            "056": (1232, 9, false, .central), "058": (591, 7, false, .central),
            "060": (1231, 10, false, .central), "062": (540, 10, false, .centralHighlands),
            "064": (1514, 17, false, .centralHighlands), "066": (1870, 15, false, .centralHighlands),
            "067": (622, 8, false, .centralHighlands), "068": (1297, 12, false, .centralHighlands),
            "070": (995, 11, false, .south), "072": (1170, 9, false, .south),
            "074": (2456, 9, false, .south), "075": (3097, 11, false, .south),
            "077": (1149, 8, false, .south), "079": (8993, 22, true, .south),
            "080": (1689, 15, false, .south), "082": (1765, 11, false, .south),
            "083": (1289, 9, false, .south), "084": (1010, 9, false, .south),
            "086": (1023, 8, false, .south), "087": (1600, 12, false, .south),
            "089": (1909, 11, false, .south), "091": (1723, 15, false, .south),
            "092": (1236, 9, true, .south), "093": (734, 8, false, .south),
            "094": (1200, 11, false, .south), "095": (908, 7, false, .south),
            "096": (1194, 9, false, .south),
        ]
        return Province.all.compactMap { province in
            facts[province.code].map {
                ProvinceProfile(
                    province: province,
                    population: $0.population,
                    districts: $0.districts,
                    isCity: $0.isCity,
                    region: $0.region
                )
            }
        }
    }()

    /// Where people who left their birth province live now: the big cities and industrial provinces.
    static let migrationDestinations = WeightedList<Int>(
        [("079", 40), ("001", 25), ("074", 15), ("075", 8), ("048", 4), ("031", 4), ("092", 4)].compactMap {
            code,
            weight in indexByCode[code].map { ($0, weight) }
        }
    )

    /// Province indices weighted by population: where a person from anywhere might come from or go.
    static let byPopulation = WeightedList<Int>(all.indices.map { ($0, all[$0].population) })

    /// `firstDistrict[p]` numbers province `p`'s first synthetic district; provinces own consecutive
    /// blocks in code order, as the real administrative codes do.
    static let firstDistrict: [Int] = {
        var next = 1
        return all.map { profile in
            defer { next += profile.districts }
            return next
        }
    }()

    static let indexByCode: [String: Int] = Dictionary(
        uniqueKeysWithValues: all.enumerated().map { ($1.province.code, $0) }
    )
}
