import DanCuContract
import Testing

@testable import SyntheticPopulation

@Suite("Building blocks")
struct BuildingBlockTests {
    @Test(
        "keyed permutations are bijections of their domain",
        arguments: [UInt64(1), 2, 3, 4, 5, 17, 255, 256, 1_000, 65_537]
    )
    func permutationIsBijection(domain: UInt64) {
        for key in [UInt64(0), 1, 0xDEAD_BEEF] {
            let permutation = KeyedPermutation(domain: domain, key: key)
            var images = Set<UInt64>()
            for value in 0..<domain {
                let image = permutation.apply(value)
                #expect(image < domain)
                #expect(permutation.invert(image) == value)
                images.insert(image)
            }
            #expect(images.count == Int(domain))
        }
    }

    @Test("permutations of large domains invert and depend on the key")
    func largePermutations() {
        let domain: UInt64 = 1_000_000_000
        let first = KeyedPermutation(domain: domain, key: 1)
        let second = KeyedPermutation(domain: domain, key: 2)
        var equal = 0
        var fixedPoints = 0
        for step in 0..<UInt64(10_000) {
            let value = step * 99_991 % domain
            let image = first.apply(value)
            #expect(image < domain && first.invert(image) == value)
            if image == second.apply(value) { equal += 1 }
            if image == value { fixedPoints += 1 }
        }
        #expect(equal < 5 && fixedPoints < 5)
    }

    @Test("weighted picks follow the weights")
    func weightedList() {
        let list = WeightedList([("rare", 1), ("never", 0), ("common", 9)])
        var counts: [String: Int] = [:]
        for step in 0..<UInt64(100_000) { counts[list.pick(mix64(step)), default: 0] += 1 }
        #expect(counts["never"] == nil)
        #expect((9_500...10_500).contains(counts["rare", default: 0]))
        #expect((89_500...90_500).contains(counts["common", default: 0]))
        #expect(list.pick(0) == "rare" && list.pick(.max) == "common")
    }

    @Test("the province tables cover all 63 provinces in code order")
    func provinceProfiles() {
        #expect(ProvinceProfile.all.map(\.province) == Province.all)
        #expect(ProvinceProfile.all.allSatisfy { $0.population > 0 && $0.districts > 0 })
        let total = ProvinceProfile.all.reduce(0) { $0 + $1.population }
        #expect((90_000...100_000).contains(total))
        #expect(ProvinceProfile.migrationDestinations.items.count == 7)
        #expect(ProvinceProfile.all[ProvinceProfile.indexByCode["089", default: -1]].addressName == "TỈNH AN GIANG")
        #expect(ProvinceProfile.all[ProvinceProfile.indexByCode["001", default: -1]].addressName == "THÀNH PHỐ HÀ NỘI")
    }

    @Test("bucket keys and indices convert both ways")
    func bucketKeys() {
        for bucket in [0, 1, 2, 191, 192, BirthBuckets.count - 1] {
            #expect(BirthBuckets.bucket(for: BirthBuckets.key(of: bucket)) == bucket)
        }
        let last = BirthBuckets.key(of: BirthBuckets.count - 1)
        #expect(last.year == 2025 && last.gender == .female && last.provinceIndex == Province.all.count - 1)
    }
}

@Suite("Code lists")
struct CodeListTests {
    @Test("codes map to words and back, whatever the zero padding")
    func lookups() {
        #expect(CodeLists.ethnicity.name(forCode: "05") == "Khơ-me")
        #expect(CodeLists.ethnicity.name(forCode: "5") == "Khơ-me")
        #expect(CodeLists.ethnicity.name(forCode: " 05 ") == "Khơ-me")
        #expect(CodeLists.ethnicity.code(forName: "Khmer") == "05")
        #expect(CodeLists.ethnicity.code(forName: "  h'mông ") == "08")
        #expect(CodeLists.ethnicity.code(forName: "KINH") == "01")
        #expect(CodeLists.religion.name(forCode: "00") == "Không")
        #expect(CodeLists.maritalStatus.name(forCode: "2") == "Đang có vợ/chồng")
        #expect(CodeLists.gender.name(forCode: "1") == Gender.male.rawValue)
        #expect(CodeLists.gender.name(forCode: "2") == Gender.female.rawValue)
    }

    @Test(
        "unknown and no-value codes are told apart",
        arguments: ["99", "", " ", "A", "-1", "01x", "0 1", "12345", "٠١"]
    )
    func unknownCodes(code: String) {
        #expect(CodeLists.ethnicity.name(forCode: code) == nil)
        #expect(!CodeLists.bloodType.contains(code: code))
    }

    @Test("blood type 00 is known but carries no value")
    func bloodTypeNoValue() {
        #expect(CodeLists.bloodType.name(forCode: "00") == nil)
        #expect(CodeLists.bloodType.isNoValue(code: "00"))
        #expect(CodeLists.bloodType.contains(code: "00"))
        #expect(!CodeLists.bloodType.isNoValue(code: "04"))
        #expect(CodeLists.bloodType.name(forCode: "04") == "O")
    }

    @Test("the ethnicity list holds the 54 groups coded 01 to 54")
    func ethnicityCatalogue() {
        let entries = CodeLists.ethnicity.entries
        #expect(entries.map(\.code) == (1...54).map { $0 < 10 ? "0\($0)" : "\($0)" })
        #expect(Set(entries.map(\.name)).count == 54)
    }

    @Test(
        "no word or alias names two entries",
        arguments: [
            CodeLists.gender, CodeLists.maritalStatus, CodeLists.bloodType, CodeLists.ethnicity, CodeLists.religion,
        ]
    )
    func wordsAreUnambiguous(table: CodeTable) {
        var seen: [String: String] = [:]
        for entry in table.entries {
            #expect(table.name(forCode: entry.code) == entry.name)
            for word in [entry.name] + entry.aliases {
                let folded = word.lowercased()
                #expect(seen[folded] == nil || seen[folded] == entry.code, "\(table.title): \(word)")
                seen[folded] = entry.code
                #expect(table.code(forName: word) == entry.code)
            }
        }
    }
}
