import DanCuContract
import Testing

@testable import SyntheticPopulation

@Suite("Citizen records")
struct CitizenRecordTests {
    static let population = SyntheticPopulation(seed: 42, size: 5_000_000)
    /// A fixed sample of records spread over the population, shared by the tests below.
    static let sample: [CitizenRecord] = IdentityNumberTests.sampleIndices(size: population.size, count: 20_000)
        .map(population.citizen(at:))

    static func share(_ predicate: (CitizenRecord) -> Bool, among records: [CitizenRecord] = sample) -> Double {
        Double(records.count(where: predicate)) / Double(max(1, records.count))
    }

    static func surname(_ record: CitizenRecord) -> Substring {
        record.fullName.split(separator: " ").first ?? ""
    }

    @Test("Nguyễn is the most common surname, with a third of the population")
    func surnames() {
        var counts: [Substring: Int] = [:]
        for record in Self.sample { counts[Self.surname(record), default: 0] += 1 }
        let ranked = counts.sorted { $0.value > $1.value }.map(\.key)
        #expect(ranked.first == "NGUYỄN")
        #expect(Array(ranked.prefix(5)).contains("TRẦN") && Array(ranked.prefix(5)).contains("LÊ"))
        let nguyen = Double(counts["NGUYỄN", default: 0]) / Double(Self.sample.count)
        #expect((0.30...0.40).contains(nguyen), "Nguyễn share \(nguyen)")
        #expect(counts.count > 60)
    }

    @Test("the South writes Huỳnh and Võ where the North writes Hoàng and Vũ")
    func regionalSurnames() {
        let kinh = Self.sample.filter { $0.ethnicity == "Kinh" }
        // Provinces from Thừa Thiên Huế (046) southwards.
        let south = kinh.filter { $0.idNumber >= "046" }
        let north = kinh.filter { $0.idNumber < "046" }
        func count(_ surname: Substring, in records: [CitizenRecord]) -> Int {
            records.count { Self.surname($0) == surname }
        }
        #expect(count("HUỲNH", in: south) > 3 * count("HOÀNG", in: south))
        #expect(count("VÕ", in: south) > 3 * count("VŨ", in: south))
        #expect(count("HOÀNG", in: north) > 3 * count("HUỲNH", in: north))
        #expect(count("VŨ", in: north) > 3 * count("VÕ", in: north))
    }

    @Test("Kinh are the majority, followed by the large minorities")
    func ethnicities() {
        var counts: [String: Int] = [:]
        for record in Self.sample { counts[record.ethnicity ?? "-", default: 0] += 1 }
        let kinh = Double(counts["Kinh", default: 0]) / Double(Self.sample.count)
        #expect((0.80...0.90).contains(kinh), "Kinh share \(kinh)")
        for minority in ["Tày", "Thái", "Mường", "Khơ-me", "Hoa", "Nùng", "Mông"] {
            let share = Double(counts[minority, default: 0]) / Double(Self.sample.count)
            #expect((0.004...0.03).contains(share), "\(minority) share \(share)")
        }
    }

    @Test("birth province, year and gender follow the population")
    func birthData() {
        let capitalAndSaigon = Self.share { $0.idNumber.hasPrefix("001") || $0.idNumber.hasPrefix("079") }
        #expect((0.14...0.22).contains(capitalAndSaigon), "Hà Nội + TP.HCM share \(capitalAndSaigon)")
        let provinces = Set(Self.sample.map { $0.idNumber.prefix(3) })
        #expect(provinces.count == Province.all.count)
        let female = Self.share { $0.gender == .female }
        #expect((0.48...0.54).contains(female), "female share \(female)")
        let old = Self.sample.filter { $0.dateOfBirth.year < 1945 }
        #expect(Self.share({ $0.gender == .female }, among: old) > 0.52)
        let years = Self.sample.map(\.dateOfBirth.year)
        #expect(years.min() == 1930 && years.max() == 2025)
        let bornIn1985 = Self.share { $0.dateOfBirth.year == 1985 }
        let bornIn1935 = Self.share { $0.dateOfBirth.year == 1935 }
        #expect(bornIn1985 > 5 * bornIn1935)
    }

    @Test("a few percent hold only a birth year, mostly the old; full dates are real dates")
    func datesOfBirth() {
        func yearOnly(_ record: CitizenRecord) -> Bool {
            if case .yearOnly = record.dateOfBirth { return true }
            return false
        }
        let overall = Self.share(yearOnly)
        #expect((0.01...0.06).contains(overall), "year-only share \(overall)")
        let old = Self.sample.filter { $0.dateOfBirth.year < 1950 }
        let young = Self.sample.filter { $0.dateOfBirth.year >= 1990 }
        #expect(Self.share(yearOnly, among: old) > 5 * Self.share(yearOnly, among: young))
        for record in Self.sample {
            if case .full(let year, let month, let day) = record.dateOfBirth {
                #expect(BirthDate.isValidCalendarDate(year: year, month: month, day: day))
            }
        }
        let months = Set(
            Self.sample.compactMap { record -> Int? in
                if case .full(_, let month, _) = record.dateOfBirth { return month }
                return nil
            }
        )
        #expect(months == Set(1...12))
    }

    @Test("CMNDs belong to most people born before 2000 and to nobody born later")
    func legacyIdNumbers() {
        let before2000 = Self.sample.filter { $0.dateOfBirth.year < 2000 }
        let holders = Self.share({ $0.legacyIdNumber != nil }, among: before2000)
        #expect((0.80...0.92).contains(holders), "CMND share \(holders)")
        #expect(Self.sample.filter { $0.dateOfBirth.year >= 2000 }.allSatisfy { $0.legacyIdNumber == nil })
    }

    @Test("every coded word is in the population database's code lists")
    func wordsAreInCodeLists() {
        for record in Self.sample {
            if let gender = record.gender { #expect(CodeLists.gender.code(forName: gender.rawValue) != nil) }
            if let ethnicity = record.ethnicity {
                #expect(CodeLists.ethnicity.entries.contains { $0.name == ethnicity }, "\(ethnicity)")
            }
            if let religion = record.religion {
                #expect(CodeLists.religion.entries.contains { $0.name == religion }, "\(religion)")
            }
            if let status = record.maritalStatus {
                #expect(CodeLists.maritalStatus.entries.contains { $0.name == status }, "\(status)")
            }
            if let bloodType = record.bloodType {
                #expect(CodeLists.bloodType.entries.contains { $0.name == bloodType }, "\(bloodType)")
            }
        }
    }

    @Test("every word the generator can produce is in the code lists, not only the sampled ones")
    func allTableWordsAreInCodeLists() {
        let ethnicityNames = Set(CodeLists.ethnicity.entries.map(\.name))
        let religionNames = Set(CodeLists.religion.entries.map(\.name))
        var ethnicities = Set<String>()
        for profile in ProvinceProfile.all {
            let mix = Demographics.ethnicities(provinceCode: profile.province.code)
            ethnicities.formUnion(mix.items)
            for ethnicity in mix.items {
                let religions = Demographics.religions(ethnicity: ethnicity, provinceCode: profile.province.code)
                #expect(religionNames.isSuperset(of: religions.items), "\(religions.items)")
            }
        }
        #expect(ethnicityNames.isSuperset(of: ethnicities), "\(ethnicities.subtracting(ethnicityNames))")
    }

    @Test("names are uppercase NFC with single spaces, and Kinh women are often THỊ")
    func nameShape() {
        for record in Self.sample {
            let name = record.fullName
            #expect(name == name.uppercased(), "\(name)")
            #expect(!name.unicodeScalars.contains { (0x0300...0x036F).contains($0.value) }, "not NFC: \(name)")
            #expect(!name.hasPrefix(" ") && !name.hasSuffix(" ") && !name.contains("  "), "\(name)")
            let parts = name.split(separator: " ")
            #expect(parts.count >= 2, "\(name)")
            #expect(Set(parts).count == parts.count, "repeated name part: \(name)")
        }
        let oldKinhWomen = Self.sample.filter {
            $0.ethnicity == "Kinh" && $0.gender == .female && $0.dateOfBirth.year < 1960
        }
        let youngKinhWomen = Self.sample.filter {
            $0.ethnicity == "Kinh" && $0.gender == .female && $0.dateOfBirth.year >= 2000
        }
        let hasThi: (CitizenRecord) -> Bool = { $0.fullName.split(separator: " ").dropFirst().first == "THỊ" }
        #expect(Self.share(hasThi, among: oldKinhWomen) > 0.7)
        #expect(Self.share(hasThi, among: youngKinhWomen) < 0.3)
    }

    @Test("minority names follow their group's customs")
    func minorityNames() {
        let mong = Self.sample.filter { $0.ethnicity == "Mông" }
        #expect(!mong.isEmpty)
        let mongSurnames: Set<Substring> = [
            "GIÀNG", "VÀNG", "LẦU", "SÙNG", "THÀO", "MÙA", "LY", "HẦU", "VỪ", "HẠNG", "CHẢO", "LÝ",
        ]
        #expect(mong.allSatisfy { mongSurnames.contains(Self.surname($0)) })
        let ede = Self.sample.filter { $0.ethnicity == "Ê-đê" }
        #expect(!ede.isEmpty)
        #expect(ede.allSatisfy { $0.fullName.hasPrefix($0.gender == .male ? "Y " : "H'") }, "\(ede.map(\.fullName))")
    }

    @Test("marital status follows age")
    func maritalStatus() {
        let children = Self.sample.filter { $0.dateOfBirth.year > 2008 }
        #expect(children.allSatisfy { $0.maritalStatus == nil || $0.maritalStatus == "Chưa kết hôn" })
        let middleAged = Self.sample.filter { (1965...1985).contains($0.dateOfBirth.year) }
        #expect(Self.share({ $0.maritalStatus == "Đang có vợ/chồng" }, among: middleAged) > 0.7)
        let elderly = Self.sample.filter { $0.dateOfBirth.year < 1945 }
        #expect(Self.share({ $0.maritalStatus == "Đã ly hôn hoặc góa" }, among: elderly) > 0.25)
    }

    @Test("optional fields are missing for a small share only")
    func missingFields() {
        let missingBlood = Self.share { $0.bloodType == nil }
        #expect((0.15...0.35).contains(missingBlood), "no blood type \(missingBlood)")
        for (field, share) in [
            ("maritalStatus", Self.share { $0.maritalStatus == nil }),
            ("nationality", Self.share { $0.nationality == nil }),
            ("hometown", Self.share { $0.hometown == nil }),
            ("birthRegistrationPlace", Self.share { $0.birthRegistrationPlace == nil }),
            ("currentAddress", Self.share { $0.currentAddress == nil }),
        ] {
            #expect(share > 0 && share < 0.1, "\(field) missing for \(share)")
        }
        #expect(Self.sample.allSatisfy { $0.permanentAddress != nil && $0.ethnicity != nil && $0.gender != nil })
    }

    static func addresses(of record: CitizenRecord) -> [Address] {
        [record.birthRegistrationPlace, record.hometown, record.permanentAddress, record.currentAddress]
            .compactMap { $0 }
    }

    /// Today's province an address lies in, whichever form it has.
    static func todayProvince(of address: Address) -> CurrentProvince? {
        if address.districtCode != nil {
            return ProvinceProfile.indexByCode["0" + (address.provinceCode ?? "")].map {
                TodayProvince.all[TodayProvince.indexByFormerIndex[$0]].province
            }
        }
        return TodayProvince.all.first { $0.administrativeCode == address.provinceCode }?.province
    }

    @Test("addresses carry consistent codes and uppercase detail lines, in one of the two forms")
    func addresses() {
        for record in Self.sample {
            let addresses = Self.addresses(of: record)
            // The database moves a record to the two-level form as a whole.
            #expect(Set(addresses.map { $0.districtCode == nil }).count <= 1, "\(addresses)")
            for address in addresses {
                let provinceCode = address.provinceCode ?? ""
                let detail = address.detail ?? ""
                #expect(
                    address.wardCode?.utf8.count == 5
                        && address.wardCode?.utf8.allSatisfy { (48...57).contains($0) } == true
                )
                #expect(address.country == "VIỆT NAM")
                #expect(detail == detail.uppercased() && !detail.isEmpty)
                let parts = detail.components(separatedBy: ", ")
                if let districtCode = address.districtCode {
                    // Before the reform: commune, district, former province.
                    #expect(districtCode.utf8.count == 3)
                    let profile = ProvinceProfile.indexByCode["0" + provinceCode].map { ProvinceProfile.all[$0] }
                    #expect(parts.last == profile?.addressName, "\(detail)")
                    #expect(
                        ["HUYỆN ", "QUẬN ", "THÀNH PHỐ "].contains { parts.dropLast().last?.hasPrefix($0) == true }
                    )
                    #expect(["XÃ ", "PHƯỜNG "].contains { parts.dropLast(2).last?.hasPrefix($0) == true }, "\(detail)")
                } else {
                    // Since 1 July 2025: commune, today's province; no district anywhere.
                    let today = TodayProvince.all.first { $0.administrativeCode == provinceCode }
                    #expect(today != nil, "\(provinceCode)")
                    #expect(parts.last == today?.addressName, "\(detail)")
                    #expect(["XÃ ", "PHƯỜNG "].contains { parts.dropLast().last?.hasPrefix($0) == true }, "\(detail)")
                    #expect(!detail.contains("HUYỆN ") && !detail.contains("QUẬN "), "\(detail)")
                }
            }
        }
        let movedAway = Self.share { record in
            let birthProvince = ProvinceProfile.indexByCode[String(record.idNumber.prefix(3))].map {
                TodayProvince.all[TodayProvince.indexByFormerIndex[$0]].province
            }
            return record.permanentAddress.flatMap(Self.todayProvince(of:)) != birthProvince
        }
        #expect((0.08...0.35).contains(movedAway), "living outside the birth province \(movedAway)")
    }

    @Test("most records have two-level addresses; some older ones still name a district")
    func addressFormMix() {
        let withDistricts = Self.share { $0.permanentAddress?.districtCode != nil }
        #expect((0.10...0.20).contains(withDistricts), "records still with districts \(withDistricts)")
        // Births registered in provinces that have since merged: the CCCD keeps the former code, a two-level
        // address names the province that absorbed it, a three-level one the former province.
        for (formerCode, formerName, todayName) in [
            ("017", "TỈNH HÒA BÌNH", "TỈNH PHÚ THỌ"), ("030", "TỈNH HẢI DƯƠNG", "THÀNH PHỐ HẢI PHÒNG"),
            ("091", "TỈNH KIÊN GIANG", "TỈNH AN GIANG"),
        ] {
            let born = Self.sample.filter { $0.idNumber.hasPrefix(formerCode) }
            let places = born.compactMap(\.birthRegistrationPlace)
            #expect(places.count > 20, "\(formerCode)")
            let twoLevel = places.filter { $0.districtCode == nil }
            let threeLevel = places.filter { $0.districtCode != nil }
            #expect(twoLevel.count > threeLevel.count && !threeLevel.isEmpty, "\(formerCode)")
            #expect(twoLevel.allSatisfy { $0.detail?.hasSuffix(", " + todayName) == true }, "\(formerCode)")
            #expect(threeLevel.allSatisfy { $0.detail?.hasSuffix(", " + formerName) == true }, "\(formerCode)")
        }
    }

    @Test("today's provinces: each former province in exactly one, commune numbers in disjoint blocks")
    func todayProvinces() {
        #expect(TodayProvince.all.count == 34)
        #expect(TodayProvince.indexByFormerIndex.allSatisfy { TodayProvince.all.indices.contains($0) })
        #expect(Set(TodayProvince.all.map(\.administrativeCode)).count == 34)
        let blocks = TodayProvince.all.indices.map {
            TodayProvince.firstCommune[$0]..<(TodayProvince.firstCommune[$0] + TodayProvince.all[$0].communeCount)
        }
        .sorted { $0.lowerBound < $1.lowerBound }
        #expect(blocks.first?.lowerBound == 1)
        #expect(zip(blocks, blocks.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
        // About the 3,321 communes of 2025, within five-digit codes.
        #expect((3_000...4_000).contains(blocks.last?.upperBound ?? 0))
        let names = Dictionary(uniqueKeysWithValues: TodayProvince.all.map { ($0.province.portalId, $0.addressName) })
        #expect(names["haiphong"] == "THÀNH PHỐ HẢI PHÒNG" && names["hue"] == "THÀNH PHỐ HUẾ")
        #expect(names["phutho"] == "TỈNH PHÚ THỌ" && names["angiang"] == "TỈNH AN GIANG")
    }

    @Test("a commune or district number always has the same name")
    func placeNamesFollowCodes() {
        var names: [String: String] = [:]
        for record in Self.sample {
            for address in Self.addresses(of: record) {
                let parts = (address.detail ?? "").components(separatedBy: ", ")
                let communeIndex = parts.count - (address.districtCode == nil ? 2 : 3)
                guard let ward = address.wardCode, communeIndex >= 0 else { continue }
                let form = address.districtCode == nil ? "new" : "old"
                let commune = parts[communeIndex]
                #expect(names.updateValue(commune, forKey: form + ward).map { $0 == commune } ?? true, "\(ward)")
                if let district = address.districtCode {
                    let name = parts[communeIndex + 1]
                    #expect(names.updateValue(name, forKey: "district" + district).map { $0 == name } ?? true)
                }
            }
        }
    }
}
