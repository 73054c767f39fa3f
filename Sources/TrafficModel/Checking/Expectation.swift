import DanCuContract

/// What a generated request was made to be; the report counts outcomes by it.
public enum RequestKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// The citizen's own data, written as portals write it.
    case correct
    /// The citizen of an earlier request again (a cache hit once the first answer is cached).
    case repeated
    /// A real date in the right year that is not the citizen's.
    case wrongDateOfBirth
    /// Another given name.
    case wrongName
    /// A well-formed CCCD that belongs to nobody.
    case unknownId
    /// The CCCD's digits contradict the year of birth: the gateway answers alone.
    case contradictoryDigits
    /// `link` with a CMND that is not this citizen's.
    case wrongLegacyId
    /// Malformed: an impossible date, a digit in the name, a short ID, an unknown channel or key.
    case invalid
    /// `lookup` asking for a field its procedure may not see.
    case forbiddenField
    /// A `portal` field naming another portal than the topic's.
    case portalMismatch
    /// A request type the portal is not configured for.
    case typeNotAllowed
}

/// Whose answer an outcome must carry.
public enum ExpectedSource: String, Sendable, Hashable, Codable {
    /// Decided by the gateway's own rules (`source: gateway`).
    case gateway
    /// Answered from the population database, directly or from the cache (`population-db` or `cache`).
    case database

    func accepts(_ source: OutcomeSource) -> Bool {
        switch self {
        case .gateway: source == .gateway
        case .database: source == .populationDb || source == .cache
        }
    }
}

/// The outcome a request must get. `status == nil` means none: the message is a dead letter.
public struct Expectation: Sendable, Hashable, Codable {
    public var kind: RequestKind?
    public var status: OutcomeStatus?
    public var source: ExpectedSource
    /// The `errors[].code` values, in order.
    public var errorCodes: [String]
    public var message: String?
    /// For `found`: exactly these fields with these values.
    public var citizen: ReleasedCitizen?
    /// Whether `expired` / `unavailable` are acceptable instead: the request needs the population
    /// database, whose outages and delays the oracle cannot know.
    public var allowsTransient: Bool

    public init(
        kind: RequestKind?,
        status: OutcomeStatus?,
        source: ExpectedSource,
        errorCodes: [String] = [],
        message: String? = nil,
        citizen: ReleasedCitizen? = nil,
        allowsTransient: Bool
    ) {
        self.kind = kind
        self.status = status
        self.source = source
        self.errorCodes = errorCodes
        self.message = message
        self.citizen = citizen
        self.allowsTransient = allowsTransient
    }

    /// How `outcome` compares. Reasons name fields and codes, never values: they end up in reports.
    public func check(_ outcome: Outcome) -> Verdict {
        guard let status else { return .incorrect("an outcome for a message that must be dead-lettered") }
        if outcome.status != status {
            if allowsTransient, Self.transientStatuses.contains(outcome.status) {
                return outcome.source == .gateway
                    ? .transient(outcome.status)
                    : .incorrect("\(outcome.status.rawValue) from \(outcome.source.rawValue)")
            }
            return .incorrect("status \(outcome.status.rawValue), expected \(status.rawValue)")
        }
        if !source.accepts(outcome.source) {
            return .incorrect("source \(outcome.source.rawValue), expected \(source.rawValue)")
        }
        let codes = outcome.errors.map(\.code.rawValue)
        if codes != errorCodes {
            return .incorrect(
                "error codes [\(codes.joined(separator: ","))], expected [\(errorCodes.joined(separator: ","))]"
            )
        }
        if let message, outcome.message != message {
            return .incorrect("message differs from the contract's text")
        }
        if outcome.citizen != citizen {
            return .incorrect(Self.citizenDifference(outcome.citizen, expected: citizen))
        }
        return .correct
    }

    static let transientStatuses: Set<OutcomeStatus> = [.expired, .unavailable]

    private static func citizenDifference(_ received: ReleasedCitizen?, expected: ReleasedCitizen?) -> String {
        guard let received else { return "citizen missing" }
        guard let expected else { return "citizen data released where none may be" }
        let receivedFields = Set(received.values.keys)
        let expectedFields = Set(expected.values.keys)
        if let extra = receivedFields.subtracting(expectedFields).min() {
            return "citizen field \(extra.rawValue) released but not allowed"
        }
        if let absent = expectedFields.subtracting(receivedFields).min() {
            return "citizen field \(absent.rawValue) missing"
        }
        let differing = expectedFields.filter { received[$0] != expected[$0] }.min()
        return "citizen field \(differing?.rawValue ?? "?") differs from the population record"
    }
}

/// One outcome judged against its expectation.
public enum Verdict: Sendable, Hashable {
    case correct
    /// `expired` or `unavailable` where the expectation allows it; counted apart from correct.
    case transient(OutcomeStatus)
    case incorrect(String)
}
