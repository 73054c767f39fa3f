import DanCuContract
import Testing

@Suite struct CurrentProvinceTests {
    /// 34 provinces that share the 63 former ones out exactly: none lost, none counted twice.
    @Test func thirtyFourProvincesAbsorbEveryFormerOneOnce() {
        #expect(CurrentProvince.all.count == 34)
        #expect(CurrentProvince.all.filter { $0.formerCodes.count == 1 }.count == 11)
        let codes = CurrentProvince.all.flatMap(\.formerCodes)
        #expect(codes.count == 63)
        #expect(Set(codes) == Set(Province.all.map(\.code)))
        #expect(Set(CurrentProvince.all.map(\.portalId)).count == 34)
        #expect(CurrentProvince.all.allSatisfy { PortalConfiguration.isValidId($0.portalId) })
    }

    /// The guides' provinces: Hải Dương is in Hải Phòng, Hòa Bình in Phú Thọ (with Vĩnh Phúc), Kiên Giang in
    /// An Giang; a number issued in Hải Dương still names Hải Dương.
    @Test(arguments: [
        ("030", "Hải Phòng"), ("017", "Phú Thọ"), ("026", "Phú Thọ"), ("091", "An Giang"), ("089", "An Giang"),
        ("046", "Huế"),
    ])
    func formerProvincesAreFoundInTodays(code: String, today: String) {
        #expect(CurrentProvince.containing(formerCode: code)?.name == today)
        #expect(CCCDNumber(code + "090000123")?.province?.code == code)
    }

    /// A province that kept its name lists itself first.
    @Test func aProvinceThatKeptItsNameListsItselfFirst() {
        for province in CurrentProvince.all {
            guard let kept = Province.all.first(where: { $0.name == province.name }) else { continue }
            #expect(province.formerCodes.first == kept.code, "\(province.name)")
        }
    }
}
