import DanCuContract

/// Builds one citizen's readable record from the birth data their CCCD encodes and draws keyed by
/// (seed, index). Attributes follow each other as they do in life: ethnicity from the birth
/// province, names and religion from the ethnicity, marital status from age.
struct CitizenFactory {
    /// The year ages are counted at.
    static let referenceYear = 2025

    /// Records the population database has not yet moved to the two-level addresses of 1 July 2025, per
    /// thousand: they still name a district and the former province.
    static let addressesBeforeReformPerMille = 150

    let draws: CitizenDraws
    let birth: BirthBuckets.Key
    let birthProfile: ProvinceProfile
    /// Whether every address of this record still has the three levels province → district → commune.
    let keepsDistricts: Bool

    init(seed: UInt64, index: Int, birth: BirthBuckets.Key) {
        draws = CitizenDraws(seed: seed, index: index)
        self.birth = birth
        birthProfile = ProvinceProfile.all[birth.provinceIndex]
        keepsDistricts = draws.chance(perMille: Self.addressesBeforeReformPerMille, .addressesBeforeReform)
    }

    func record(idNumber: String, legacyIdNumber: String?) -> CitizenRecord {
        let provinceCode = birthProfile.province.code
        let ethnicity = Demographics.ethnicities(provinceCode: provinceCode).pick(draws.bits(.ethnicity))
        let permanentAddress = permanentAddress()
        return CitizenRecord(
            fullName: fullName(style: NamingStyle.forEthnicity(ethnicity, southern: birthProfile.isSouthern)),
            idNumber: idNumber,
            legacyIdNumber: legacyIdNumber,
            gender: birth.gender,
            ethnicity: ethnicity,
            religion: Demographics.religions(ethnicity: ethnicity, provinceCode: provinceCode).pick(
                draws.bits(.religion)
            ),
            maritalStatus: maritalStatus(),
            bloodType: bloodType(),
            dateOfBirth: dateOfBirth(),
            nationality: draws.chance(perMille: 3, .nationalityMissing) ? nil : "Việt Nam",
            birthRegistrationPlace: birthRegistrationPlace(),
            hometown: hometown(),
            permanentAddress: permanentAddress,
            currentAddress: currentAddress(permanent: permanentAddress)
        )
    }

    // MARK: - Name

    func fullName(style: NamingStyle) -> String {
        let isMale = birth.gender == .male
        let surname = style.surnames.pick(draws.bits(.surname))
        let middleList = isMale ? style.maleMiddle : style.femaleMiddle
        let middleDraw = draws.bits(.middleName)
        var middle: [String]
        if style.followsKinhFashion, scaled(middleDraw, below: 1000) < traditionalMiddlePerMille {
            middle = [isMale ? "VĂN" : "THỊ"]
        } else {
            middle = [Self.pick(from: middleList, mix64(middleDraw), avoiding: [surname])]
        }
        if style.followsKinhFashion, draws.chance(perMille: isMale ? 60 : 180, .secondMiddleName) {
            // Four-part names such as NGUYỄN THỊ THU HƯƠNG.
            middle.append(Self.pick(from: middleList, draws.bits(.secondMiddleName), avoiding: [surname] + middle))
        }
        let given = Self.pick(
            from: isMale ? style.maleGiven : style.femaleGiven,
            draws.bits(.givenName),
            avoiding: [surname] + middle
        )
        switch style.order {
        case .surnameFirst:
            return Self.joined([surname] + middle + [given])
        case .clanLast:
            return Self.joined(middle + [given, surname])
        }
    }

    /// A pick that repeats no part already in the name (HOÀNG HOÀNG QUÂN, LÊ NGỌC NGỌC are rare in life).
    /// The redraws are bounded so that a list made only of used parts cannot loop forever.
    private static func pick(from list: WeightedList<String>, _ draw: UInt64, avoiding used: [String]) -> String {
        var draw = draw
        var choice = list.pick(draw)
        var redraws = 0
        while used.contains(choice), redraws < 16 {
            draw = mix64(draw)
            choice = list.pick(draw)
            redraws += 1
        }
        return choice
    }

    /// How likely `VĂN`/`THỊ` is, by generation.
    private var traditionalMiddlePerMille: Int {
        switch birth.year {
        case ..<1960: 850
        case ..<1980: 650
        case ..<1995: 400
        default: 150
        }
    }

    /// Joins name parts with single spaces; a prefix ending in an apostrophe (`H'`) binds to the next part.
    private static func joined(_ parts: [String]) -> String {
        var result = ""
        for part in parts where !part.isEmpty {
            if !result.isEmpty, result.last != "'" { result += " " }
            result += part
        }
        return result
    }

    // MARK: - Birth, family, health

    func dateOfBirth() -> BirthDate {
        let yearOnlyPerMille =
            switch birth.year {
            case ..<1950: 150
            case ..<1975: 40
            default: 5
            }
        if draws.chance(perMille: yearOnlyPerMille, .yearOnlyBirthDate) { return .yearOnly(birth.year) }
        var day = draws.below(BirthDate.isLeapYear(birth.year) ? 366 : 365, .dayOfYear) + 1
        var month = 1
        while day > BirthDate.daysIn(month: month, year: birth.year) {
            day -= BirthDate.daysIn(month: month, year: birth.year)
            month += 1
        }
        return .full(year: birth.year, month: month, day: day)
    }

    func maritalStatus() -> String? {
        if draws.chance(perMille: 40, .maritalStatusMissing) { return nil }
        let age = Self.referenceYear - birth.year
        let shares: (single: Int, married: Int) =
            switch age {
            case ..<18: (1000, 0)
            case ..<25: (750, 240)
            case ..<35: (300, 670)
            case ..<60: (70, 860)
            case ..<75: (30, 760)
            default: (20, 550)
            }
        let roll = draws.below(1000, .maritalStatus)
        if roll < shares.single { return "Chưa kết hôn" }
        if roll < shares.single + shares.married { return "Đang có vợ/chồng" }
        return "Đã ly hôn hoặc góa"
    }

    func bloodType() -> String? {
        if draws.chance(perMille: 250, .bloodTypeMissing) { return nil }
        return Self.bloodTypes.pick(draws.bits(.bloodType))
    }

    private static let bloodTypes = WeightedList([("O", 420), ("B", 300), ("A", 210), ("AB", 70)])

    // MARK: - Places

    func birthRegistrationPlace() -> Address? {
        if draws.chance(perMille: birth.year < 1975 ? 50 : 10, .birthPlaceMissing) { return nil }
        return address(in: birth.provinceIndex, draw: draws.bits(.birthPlace), withStreet: false)
    }

    func hometown() -> Address? {
        if draws.chance(perMille: 30, .hometownMissing) { return nil }
        let provinceDraw = draws.bits(.hometownProvince)
        let province =
            scaled(provinceDraw, below: 1000) < 850
            ? birth.provinceIndex : ProvinceProfile.byPopulation.pick(mix64(provinceDraw))
        return address(in: province, draw: draws.bits(.hometownPlace), withStreet: false)
    }

    /// Everyone has a registered permanent residence.
    func permanentAddress() -> Address {
        let province = movedProvince(draws.bits(.permanentProvince), stayPerMille: 780)
        return address(in: province, draw: draws.bits(.permanentPlace), withStreet: true)
    }

    func currentAddress(permanent: Address) -> Address? {
        if draws.chance(perMille: 60, .currentMissing) { return nil }
        guard draws.chance(perMille: 120, .currentMoved) else { return permanent }
        let province = movedProvince(draws.bits(.currentProvince), stayPerMille: 300)
        return address(in: province, draw: draws.bits(.currentPlace), withStreet: true)
    }

    /// The birth province with probability `stayPerMille`, otherwise a city that draws migrants or anywhere.
    private func movedProvince(_ draw: UInt64, stayPerMille: Int) -> Int {
        let roll = scaled(draw, below: 1000)
        if roll < stayPerMille { return birth.provinceIndex }
        let toCity = roll < stayPerMille + (1000 - stayPerMille) * 6 / 10
        return (toCity ? ProvinceProfile.migrationDestinations : ProvinceProfile.byPopulation).pick(mix64(draw))
    }

    /// An address in former province `provinceIndex`: a street address or a hamlet, then its commune or ward,
    /// then either the former district and province (`keepsDistricts`) or today's province. The draw picks a
    /// former district and ward; the two-level form names the commune that ward is part of now, so one draw
    /// gives the same place in both forms.
    private func address(in provinceIndex: Int, draw: UInt64, withStreet: Bool) -> Address {
        let profile = ProvinceProfile.all[provinceIndex]
        let districtInProvince = scaled(draw, below: profile.districts)
        let wardDraw = mix64(draw ^ 0x5741_5244)
        let wardInDistrict = scaled(wardDraw, below: Places.wardsPerDistrict)
        // The provincial capital, and most districts of a city, have wards and streets rather than communes.
        let isUrban = districtInProvince < (profile.isCity ? profile.districts * 6 / 10 : 1)
        let place =
            withStreet ? Self.streetOrHamlet(region: profile.region, isUrban: isUrban, draw: mix64(wardDraw)) : nil
        let communeWord = isUrban ? "PHƯỜNG" : "XÃ"
        if keepsDistricts {
            let district = ProvinceProfile.firstDistrict[provinceIndex] + districtInProvince
            let ward = (district - 1) * Places.wardsPerDistrict + wardInDistrict + 1
            let districtWord = isUrban ? (profile.isCity ? "QUẬN" : "THÀNH PHỐ") : "HUYỆN"
            return Address(
                provinceCode: profile.administrativeCode,
                districtCode: Self.paddedCode(district, width: 3),
                wardCode: Self.paddedCode(ward, width: 5),
                detail: Self.detail(
                    place,
                    communeWord + " " + Self.name(from: Places.communeNames, number: ward),
                    districtWord + " " + Self.name(from: Places.districtNames, number: district),
                    profile.addressName
                ),
                country: "VIỆT NAM"
            )
        }
        let todayIndex = TodayProvince.indexByFormerIndex[provinceIndex]
        let today = TodayProvince.all[todayIndex]
        let districtInToday = TodayProvince.firstDistrictInside[provinceIndex] + districtInProvince
        let communeInToday = districtInToday * Places.communesPerDistrict + wardInDistrict / Places.wardsPerCommune
        let commune = TodayProvince.firstCommune[todayIndex] + communeInToday
        return Address(
            provinceCode: today.administrativeCode,
            wardCode: Self.paddedCode(commune, width: 5),
            detail: Self.detail(
                place,
                communeWord + " " + Self.name(from: Places.communeNames, number: commune),
                today.addressName
            ),
            country: "VIỆT NAM"
        )
    }

    private static func detail(_ parts: String?...) -> String {
        parts.compactMap { $0 }.joined(separator: ", ")
    }

    /// The same number always gets the same name.
    private static func name(from names: [String], number: Int) -> String {
        names[scaled(hash(0x4E41_4D45, UInt64(number)), below: names.count)]
    }

    private static func streetOrHamlet(region: ProvinceProfile.Region, isUrban: Bool, draw: UInt64) -> String {
        let kind = scaled(draw, below: 1000)
        let choice = mix64(draw)
        if kind < Places.streetPerMille(isUrban: isUrban) {
            let number = scaled(choice, below: 300) + 1
            let street = Places.streets[scaled(mix64(choice), below: Places.streets.count)]
            return "SỐ \(number) ĐƯỜNG \(street)"
        }
        let word = Places.hamletWords(region).pick(choice)
        let names: [String] =
            switch word {
            case "BẢN": Places.uplandVillageNames
            case "BUÔN", "PLEI", "BON": Places.highlandVillageNames
            default: Places.hamletNames
            }
        let nameDraw = mix64(choice)
        // Many hamlets are simply numbered.
        if scaled(nameDraw, below: 3) == 0 { return "\(word) \(scaled(mix64(nameDraw), below: 12) + 1)" }
        return "\(word) \(names[scaled(mix64(nameDraw), below: names.count)])"
    }

    private static func paddedCode(_ value: Int, width: Int) -> String {
        SyntheticPopulation.formatDigits(UInt64(value), count: width)
    }
}
