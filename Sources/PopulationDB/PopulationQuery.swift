public import DanCuContract

/// One question to the population database: who is asking (request id, procedure, officer) and
/// the identity claimed (ID number, name, date of birth).
public struct PopulationQuery: Sendable, Hashable {
    /// `MaYeuCau`: unique per request; safe to log.
    public var requestId: String
    /// `MaDVC`: the public-service (procedure) code the request is made for.
    public var serviceCode: String?
    /// `MaCanBo`: the officer at the counter, when there is one.
    public var officerId: String?
    /// A 12-digit CCCD (sent as `SoDinhDanh`) or a 9-digit CMND (sent as `SoCMND`).
    public var idNumber: String
    /// As the gateway normalised it; the database compares it as exact text. Absent only when the two
    /// numbers are asked about (`legacyIdNumber`).
    public var fullName: String?
    public var dateOfBirth: BirthDate?
    /// The 9-digit CMND that should be on the record of the 12-digit `idNumber` (sent as `SoCMND` beside
    /// `SoDinhDanh`): a link's question.
    public var legacyIdNumber: String?
    /// W3C trace context of the request that caused this call, forwarded as the `traceparent` header.
    public var traceparent: String?

    public init(
        requestId: String,
        serviceCode: String? = nil,
        officerId: String? = nil,
        idNumber: String,
        fullName: String?,
        dateOfBirth: BirthDate?,
        legacyIdNumber: String? = nil,
        traceparent: String? = nil
    ) {
        self.requestId = requestId
        self.serviceCode = serviceCode
        self.officerId = officerId
        self.idNumber = idNumber
        self.fullName = fullName
        self.dateOfBirth = dateOfBirth
        self.legacyIdNumber = legacyIdNumber
        self.traceparent = traceparent
    }

    /// Which identifier `idNumber` is, or `nil` when it is neither 12 nor 9 ASCII digits.
    public var idKind: IdentifierKind? {
        guard idNumber.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        switch idNumber.utf8.count {
        case 12: return .citizenIdentity
        case 9: return .legacyIdentityCard
        default: return nil
        }
    }

    public enum IdentifierKind: Sendable, Hashable {
        /// The 12-digit personal identification number (CCCD), `SoDinhDanh`.
        case citizenIdentity
        /// The old 9-digit identity card number (CMND), `SoCMND`.
        case legacyIdentityCard
    }
}

/// The two operations of the population database's SOAP service.
public enum PopulationOperation: String, Sendable, Hashable, Codable, CaseIterable {
    /// Answers whether the claimed identity exists (`TonTai`).
    case verify = "XacThucThongTinCongDan"
    /// Answers the matching citizen's record (`CongdanCollection`).
    case lookup = "TraCuuThongTinCongDan"
}

/// Keeps personal identifiers out of logs and errors: the first 4 and last 2 characters stay,
/// e.g. `0012******87`.
package func maskedIdNumber(_ idNumber: String) -> String {
    let characters = Array(idNumber)
    guard characters.count > 6 else { return String(repeating: "*", count: characters.count) }
    return String(characters.prefix(4)) + String(repeating: "*", count: characters.count - 6)
        + String(characters.suffix(2))
}
