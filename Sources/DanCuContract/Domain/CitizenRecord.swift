/// Gender as recorded in the population database (`GioiTinh`) and encoded in a CCCD's fourth digit.
public enum Gender: String, Sendable, Hashable, Codable, CaseIterable {
    case male = "Nam"
    case female = "Nữ"
}

/// A place as the population database records it: administrative codes plus a readable line.
public struct Address: Sendable, Hashable, Codable {
    /// Province code (`MaTinhThanh`), e.g. `"89"` or `"089"` as the source gives it.
    public var provinceCode: String?
    /// District code (`MaQuanHuyen`).
    public var districtCode: String?
    /// Ward/commune code (`MaPhuongXa`).
    public var wardCode: String?
    /// The readable address (`ChiTiet`), uppercase with diacritics as the database writes it.
    public var detail: String?
    /// Country (`QuocGia`), e.g. `"VIỆT NAM"`.
    public var country: String?

    public init(
        provinceCode: String? = nil,
        districtCode: String? = nil,
        wardCode: String? = nil,
        detail: String? = nil,
        country: String? = nil
    ) {
        self.provinceCode = provinceCode
        self.districtCode = districtCode
        self.wardCode = wardCode
        self.detail = detail
        self.country = country
    }

    package func write(to writer: inout ContractJSONWriter) {
        writer.object { writer in
            writer.member("country", country)
            writer.member("detail", detail)
            writer.member("districtCode", districtCode)
            writer.member("provinceCode", provinceCode)
            writer.member("wardCode", wardCode)
        }
    }
}

/// One citizen's record in the population database, with codes already mapped to readable words
/// (the gateway's view; the SOAP layer maps codes). `nil` means the database holds no value
/// ("Chưa có thông tin").
public struct CitizenRecord: Sendable, Hashable {
    /// Uppercase with diacritics, NFC, single spaces, e.g. `"TRẦN QUANG KHƯƠNG"`.
    public var fullName: String
    /// The 12-digit personal identification number (CCCD).
    public var idNumber: String
    /// The old 9-digit CMND, when the citizen had one.
    public var legacyIdNumber: String?
    public var gender: Gender?
    public var ethnicity: String?
    public var religion: String?
    /// Readable words, e.g. `"Chưa kết hôn"`.
    public var maritalStatus: String?
    /// `"A"`, `"B"`, `"AB"`, `"O"`; `nil` when not recorded.
    public var bloodType: String?
    public var dateOfBirth: BirthDate
    public var nationality: String?
    public var birthRegistrationPlace: Address?
    public var hometown: Address?
    public var permanentAddress: Address?
    public var currentAddress: Address?

    public init(
        fullName: String,
        idNumber: String,
        legacyIdNumber: String? = nil,
        gender: Gender? = nil,
        ethnicity: String? = nil,
        religion: String? = nil,
        maritalStatus: String? = nil,
        bloodType: String? = nil,
        dateOfBirth: BirthDate,
        nationality: String? = nil,
        birthRegistrationPlace: Address? = nil,
        hometown: Address? = nil,
        permanentAddress: Address? = nil,
        currentAddress: Address? = nil
    ) {
        self.fullName = fullName
        self.idNumber = idNumber
        self.legacyIdNumber = legacyIdNumber
        self.gender = gender
        self.ethnicity = ethnicity
        self.religion = religion
        self.maritalStatus = maritalStatus
        self.bloodType = bloodType
        self.dateOfBirth = dateOfBirth
        self.nationality = nationality
        self.birthRegistrationPlace = birthRegistrationPlace
        self.hometown = hometown
        self.permanentAddress = permanentAddress
        self.currentAddress = currentAddress
    }
}
