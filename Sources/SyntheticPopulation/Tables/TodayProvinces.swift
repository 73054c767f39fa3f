import DanCuContract

/// Today's provinces (since 1 July 2025) as two-level addresses need them: a name, a code and a block of
/// synthetic commune numbers. The reform merged communes inside each new province; here every
/// `Places.wardsPerCommune` consecutive wards of a former district make one commune, so that a former
/// ward always lies in the same commune.
struct TodayProvince: Sendable {
    let province: CurrentProvince
    /// How two-level addresses write it, e.g. `"TỈNH PHÚ THỌ"`, `"THÀNH PHỐ HUẾ"`.
    let addressName: String
    /// The two-digit code two-level addresses carry: that of the former province whose name it kept (the
    /// first of `formerCodes`). A synthetic convention, like the commune numbers; the gateway never reads it.
    let administrativeCode: String
    /// `ProvinceProfile.all` indices of the former provinces, in `formerCodes` order.
    let formerIndices: [Int]

    /// The centrally governed cities since 1 July 2025 (Huế became one in January 2025).
    private static let cities: Set<String> = ["hanoi", "haiphong", "hue", "danang", "hochiminh", "cantho"]

    /// In `CurrentProvince.all` order.
    static let all: [TodayProvince] = CurrentProvince.all.map { province in
        TodayProvince(
            province: province,
            addressName: (cities.contains(province.portalId) ? "THÀNH PHỐ " : "TỈNH ") + province.name.uppercased(),
            administrativeCode: String(province.formerCodes[0].dropFirst()),
            formerIndices: province.formerCodes.compactMap { ProvinceProfile.indexByCode[$0] }
        )
    }

    /// `indexByFormerIndex[p]` is the index in `all` of the province that former province `p` is part of.
    static let indexByFormerIndex: [Int] = {
        var result = Array(repeating: -1, count: ProvinceProfile.all.count)
        for (index, today) in all.enumerated() {
            for former in today.formerIndices { result[former] = index }
        }
        return result
    }()

    /// `firstDistrictInside[p]`: how many districts the former provinces listed before `p` in its new
    /// province had, which places `p`'s districts inside the new province's commune block.
    static let firstDistrictInside: [Int] = {
        var result = Array(repeating: 0, count: ProvinceProfile.all.count)
        for today in all {
            var next = 0
            for former in today.formerIndices {
                result[former] = next
                next += ProvinceProfile.all[former].districts
            }
        }
        return result
    }()

    /// `firstCommune[t]` numbers today's province `t`'s first synthetic commune; provinces own consecutive
    /// blocks in code order, as the real administrative codes do.
    static let firstCommune: [Int] = {
        var result = Array(repeating: 0, count: all.count)
        var next = 1
        for index in all.indices.sorted(by: { all[$0].administrativeCode < all[$1].administrativeCode }) {
            result[index] = next
            next += all[index].communeCount
        }
        return result
    }()

    /// One commune per `Places.wardsPerCommune` wards of each former district.
    var communeCount: Int {
        formerIndices.reduce(0) { $0 + ProvinceProfile.all[$1].districts } * Places.communesPerDistrict
    }
}
