/// What a portal asks the gateway to do.
public enum RequestType: String, Sendable, Hashable, Codable, CaseIterable {
    /// Xác thực thông tin công dân: do name, ID number and date of birth match one record?
    case verify
    /// Tra cứu thông tin công dân: the record's fields that the procedure needs.
    case lookup
    /// CMND → CCCD for VNeID accounts: does this 9-digit CMND belong to this 12-digit CCCD?
    case link
}

/// Who waits for the answer; sets the default deadline and, later, the scheduling priority.
public enum Channel: String, Sendable, Hashable, Codable, CaseIterable {
    /// A citizen standing at a one-stop-shop counter.
    case counter
    /// A citizen or officer working on the online portal.
    case online
    /// Bulk work such as account clean-ups: large and not urgent.
    case batch
}

/// A field of a citizen record that an outcome may release (English camelCase keys).
public enum CitizenField: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case fullName
    case idNumber
    case legacyIdNumber
    case gender
    case ethnicity
    case religion
    case maritalStatus
    case bloodType
    case dateOfBirth
    case nationality
    case birthRegistrationPlace
    case hometown
    case permanentAddress
    case currentAddress

    /// Order of declaration, so released fields list the way the provinces' record screens do.
    public static func < (lhs: Self, rhs: Self) -> Bool {
        order[lhs, default: 0] < order[rhs, default: 0]
    }

    private static let order: [CitizenField: Int] = Dictionary(
        uniqueKeysWithValues: allCases.enumerated().map { ($0.element, $0.offset) }
    )
}

/// The result of a request, as the outcome's `status` field writes it.
public enum OutcomeStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case verified
    case notVerified = "not_verified"
    case found
    case notFound = "not_found"
    case invalidRequest = "invalid_request"
    case forbidden
    case expired
    case unavailable
}

/// Who produced an outcome's answer.
public enum OutcomeSource: String, Sendable, Hashable, Codable, CaseIterable {
    case populationDb = "population-db"
    case cache
    /// Decided by the gateway's own rules, without asking the population database.
    case gateway
}
