import DanCuContract
import Testing

@testable import SyntheticPopulation

@Suite("Identity numbers")
struct IdentityNumberTests {
    let population = SyntheticPopulation(seed: 20_240_701, size: 3_000_000)

    /// Indices spread over the whole population plus both edges.
    static func sampleIndices(size: Int, count: Int) -> [Int] {
        let step = max(1, size / count)
        return Array(Set([0, 1, 2, size / 2, size - 2, size - 1] + stride(from: 3, to: size, by: step).map { $0 }))
            .filter { (0..<size).contains($0) }
            .sorted()
    }

    @Test("the same seed and index give the same citizen; another seed gives another population")
    func determinism() {
        let again = SyntheticPopulation(seed: population.seed, size: population.size)
        let other = SyntheticPopulation(seed: population.seed + 1, size: population.size)
        let indices = Self.sampleIndices(size: population.size, count: 300)
        var differentIds = 0
        var differentNames = 0
        var differentAddressForms = 0
        for index in indices {
            let record = population.citizen(at: index)
            #expect(again.citizen(at: index) == record)
            let otherRecord = other.citizen(at: index)
            if otherRecord.idNumber != record.idNumber { differentIds += 1 }
            if otherRecord.fullName != record.fullName { differentNames += 1 }
            if (otherRecord.permanentAddress?.districtCode == nil) != (record.permanentAddress?.districtCode == nil) {
                differentAddressForms += 1
            }
        }
        #expect(differentIds == indices.count)
        #expect(differentNames > indices.count * 8 / 10)
        // The address form is drawn per seed too, not fixed by the index.
        #expect(differentAddressForms > indices.count / 20)
    }

    @Test("the cheap ID accessors agree with the full record")
    func cheapAccessorsMatchRecord() {
        for index in Self.sampleIndices(size: population.size, count: 500) {
            let record = population.citizen(at: index)
            #expect(population.idNumber(at: index) == record.idNumber)
            #expect(population.legacyIdNumber(at: index) == record.legacyIdNumber)
        }
    }

    @Test("CCCD and CMND decode back to their citizen, edges included")
    func roundTrips() {
        for index in Self.sampleIndices(size: population.size, count: 5_000) {
            let record = population.citizen(at: index)
            #expect(population.index(ofIdNumber: record.idNumber) == index)
            #expect(population.citizen(idNumber: record.idNumber) == record)
            if let cmnd = record.legacyIdNumber {
                #expect(population.index(ofLegacyIdNumber: cmnd) == index)
                #expect(population.citizen(legacyIdNumber: cmnd) == record)
            }
        }
    }

    @Test("every citizen of tiny populations round-trips", arguments: [1, 2, 3, 10, 257])
    func tinyPopulations(size: Int) {
        let tiny = SyntheticPopulation(seed: 7, size: size)
        for index in 0..<size {
            let record = tiny.citizen(at: index)
            #expect(tiny.index(ofIdNumber: record.idNumber) == index)
            if let cmnd = record.legacyIdNumber { #expect(tiny.index(ofLegacyIdNumber: cmnd) == index) }
        }
    }

    @Test("the largest population round-trips, edges included")
    func largestPopulation() {
        let country = SyntheticPopulation(seed: 3, size: SyntheticPopulation.maximumSize)
        for index in Self.sampleIndices(size: country.size, count: 2_000) {
            let record = country.citizen(at: index)
            #expect(country.index(ofIdNumber: record.idNumber) == index)
            if let cmnd = record.legacyIdNumber { #expect(country.index(ofLegacyIdNumber: cmnd) == index) }
        }
        #expect(country.index(ofIdNumber: country.unassignedIdNumber(salt: 0)) == nil)
    }

    @Test("an empty population resolves nothing")
    func emptyPopulation() {
        let empty = SyntheticPopulation(seed: 7, size: 0)
        let someId = population.idNumber(at: 0)
        #expect(empty.index(ofIdNumber: someId) == nil)
        #expect(empty.index(ofLegacyIdNumber: "123456789") == nil)
        #expect(empty.index(ofIdNumber: empty.unassignedIdNumber(salt: 1)) == nil)
    }

    /// Two million citizens: a set of CCCDs and one of CMNDs must each hold as many numbers as there
    /// were citizens holding one, and every number must decode back to its own citizen.
    @Test("CCCDs and CMNDs are unique over two million citizens")
    func uniqueness() {
        let count = 2_000_000
        var idNumbers = Set<UInt64>(minimumCapacity: count)
        var legacyNumbers = Set<UInt64>(minimumCapacity: count)
        var legacyHolders = 0
        for index in 0..<count {
            let identity = population.identity(at: index)
            idNumbers.insert(identity.idNumber)
            if let legacy = identity.legacyIdNumber {
                legacyNumbers.insert(legacy)
                legacyHolders += 1
            }
        }
        #expect(idNumbers.count == count)
        #expect(legacyNumbers.count == legacyHolders)
        #expect(legacyHolders > count / 2)
    }

    @Test("CCCD digits agree with birth province, century, gender and year")
    func cccdConsistentWithBirthData() {
        for index in Self.sampleIndices(size: population.size, count: 20_000) {
            let record = population.citizen(at: index)
            let digits = Array(record.idNumber.utf8).map { Int($0) - Int(UInt8(ascii: "0")) }
            #expect(digits.count == 12 && digits.allSatisfy { (0...9).contains($0) })
            let provinceCode = String(record.idNumber.prefix(3))
            #expect(Province.withCode(provinceCode) != nil)
            let year = record.dateOfBirth.year
            #expect((1930...2025).contains(year))
            let expectedCenturyDigit = (year >= 2000 ? 2 : 0) + (record.gender == .female ? 1 : 0)
            #expect(digits[3] == expectedCenturyDigit)
            #expect(digits[4] * 10 + digits[5] == year % 100)
            if let place = record.birthRegistrationPlace {
                // A two-level address names today's province, which contains the one the CCCD still names.
                let birthProvince = ProvinceProfile.indexByCode[provinceCode].map {
                    TodayProvince.all[TodayProvince.indexByFormerIndex[$0]]
                }
                let expected =
                    place.districtCode == nil ? birthProvince?.administrativeCode : String(provinceCode.dropFirst())
                #expect(place.provinceCode == expected)
            }
            if let cmnd = record.legacyIdNumber {
                #expect(cmnd.utf8.count == 9 && cmnd.utf8.allSatisfy { (48...57).contains($0) })
                #expect(year < 2000)
            }
        }
    }

    @Test(
        "malformed IDs resolve to nothing",
        arguments: [
            "", "0", "00120000000", "0012000000001", "00120000000a", " 001200000000", "001200000000 ",
            "００１２０００００００００", "-01200000000", "001-20000000", "0012000000\u{0301}0",
        ]
    )
    func malformedIdNumbers(text: String) {
        #expect(population.index(ofIdNumber: text) == nil)
        #expect(population.citizen(idNumber: text) == nil)
    }

    @Test("malformed CMNDs resolve to nothing", arguments: ["", "12345678", "1234567890", "12345678x", "١٢٣٤٥٦٧٨٩"])
    func malformedLegacyIdNumbers(text: String) {
        #expect(population.index(ofLegacyIdNumber: text) == nil)
    }

    @Test("well-formed IDs outside the population's birth data resolve to nothing")
    func impossibleBirthData() {
        let real = population.idNumber(at: 12_345)
        let province = String(real.prefix(3))
        let afterProvince = String(real.dropFirst(3))
        let afterCentury = String(real.dropFirst(4))
        let serial = String(real.dropFirst(6))
        let impossible: [String] = [
            "003" + afterProvince,  // no province 003
            "100" + afterProvince,  // no province 100
            province + "6" + afterCentury,  // century digit beyond the 2100s
            province + "9" + afterCentury,
            province + "029" + serial,  // born 1929, before the population's first year
            province + "226" + serial,  // born 2026, after its last
            province + "430" + serial,  // born 2130
        ]
        for id in impossible {
            #expect(id.count == 12)
            #expect(population.index(ofIdNumber: id) == nil, "\(id)")
        }
    }

    @Test("almost all well-formed numbers are nobody's, and those that resolve round-trip")
    func strayNumbers() {
        let small = SyntheticPopulation(seed: 99, size: 10_000)
        var resolvedIds = 0
        var resolvedLegacy = 0
        for salt in 0..<UInt64(20_000) {
            let idValue = hash(5, salt) % 1_000_000_000_000
            let id = SyntheticPopulation.formatDigits(idValue, count: 12)
            if let index = small.index(ofIdNumber: id) {
                resolvedIds += 1
                #expect(small.idNumber(at: index) == id)
            }
            let cmnd = SyntheticPopulation.formatDigits(hash(6, salt) % 1_000_000_000, count: 9)
            if let index = small.index(ofLegacyIdNumber: cmnd) {
                resolvedLegacy += 1
                #expect(small.legacyIdNumber(at: index) == cmnd)
            }
        }
        #expect(resolvedIds < 10)
        #expect(resolvedLegacy < 10)
    }

    @Test("unassigned CCCDs are well-formed, plausible, deterministic and never resolve")
    func unassignedIdNumbers() {
        var seen = Set<String>()
        for salt in 0..<UInt64(10_000) {
            let id = population.unassignedIdNumber(salt: salt)
            #expect(id == population.unassignedIdNumber(salt: salt))
            #expect(id.utf8.count == 12 && id.utf8.allSatisfy { (48...57).contains($0) })
            #expect(Province.withCode(id.prefix(3)) != nil)
            let century = Int(id.utf8[id.utf8.index(id.utf8.startIndex, offsetBy: 3)]) - 48
            let year = (century < 2 ? 1900 : 2000) + (Int(id.dropFirst(4).prefix(2)) ?? -1)
            #expect((0...3).contains(century) && (1930...2025).contains(year), "\(id)")
            #expect(population.index(ofIdNumber: id) == nil, "\(id)")
            seen.insert(id)
        }
        #expect(seen.count > 9_990)
    }

    @Test(
        "unassigned CCCDs for a chosen birth year and gender carry them and never resolve",
        arguments: [1900, 1929, 1930, 1985, 1999, 2000, 2025, 2026, 2199]
    )
    func unassignedIdNumbersForBirthData(year: Int) throws {
        for gender in Gender.allCases {
            var seen = Set<String>()
            for salt in 0..<UInt64(500) {
                let id = try #require(population.unassignedIdNumber(salt: salt, birthYear: year, gender: gender))
                #expect(id == population.unassignedIdNumber(salt: salt, birthYear: year, gender: gender))
                let digits = id.utf8.map { Int($0) - 48 }
                #expect(digits.count == 12 && digits.allSatisfy { (0...9).contains($0) })
                #expect(Province.withCode(id.prefix(3)) != nil)
                #expect(digits[3] == (year / 100 - 19) * 2 + (gender == .female ? 1 : 0))
                #expect(digits[4] * 10 + digits[5] == year % 100)
                #expect(population.index(ofIdNumber: id) == nil, "\(id)")
                seen.insert(id)
            }
            #expect(seen.count > 490)
        }
    }

    @Test("years a CCCD cannot encode give no unassigned ID", arguments: [1899, 2200, 0, -5])
    func unencodableYears(year: Int) {
        #expect(population.unassignedIdNumber(salt: 1, birthYear: year, gender: .male) == nil)
    }

    @Test("a population of the maximum size keeps every bucket within its serials")
    func bucketsStayWithinSerialCapacity() {
        for size in [0, 1, 12_095, 12_097, 3_000_001, SyntheticPopulation.maximumSize] {
            let buckets = BirthBuckets(size: size)
            #expect(buckets.size == size)
            var total = 0
            for bucket in 0..<BirthBuckets.count {
                let population = buckets.population(of: bucket)
                #expect(population >= 0 && population < BirthBuckets.serialCapacity)
                total += population
            }
            #expect(total == size)
        }
    }

    @Test("every position falls in the bucket that contains it")
    func bucketSearch() {
        let buckets = BirthBuckets(size: 1_000_003)
        for position in IdentityNumberTests.sampleIndices(size: 1_000_003, count: 50_000) {
            let placement = buckets.placement(ofPosition: UInt64(position))
            #expect(buckets.start(of: placement.bucket) + Int(placement.offset) == position)
            #expect(Int(placement.offset) < buckets.population(of: placement.bucket))
            #expect(BirthBuckets.bucket(for: placement.key) == placement.bucket)
        }
    }
}
