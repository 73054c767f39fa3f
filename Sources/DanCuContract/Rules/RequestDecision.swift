/// Everything validation alone decides about one message.
public enum RequestDecision: Sendable, Hashable {
    /// The message cannot be answered: publish it to the dead-letter topic with this reason.
    case deadLetter(DeadLetterReason)
    /// Answered without the population database: `invalid_request`, `forbidden`, `expired`, or
    /// `not_verified`/`not_found` because the CCCD's digits contradict the date of birth.
    case answer(Outcome)
    /// Valid: ask the population database, then answer with the request's outcome builders.
    case query(ValidatedRequest)

    /// `{"decision": "query", "request": …}`, `{"decision": "answer", "outcome": …}` or
    /// `{"decision": "deadLetter", "reason": {"code", "message"}}`: what `dancu-gateway validate` prints.
    public func jsonBytes() -> [UInt8] {
        ContractJSON.encode(self)
    }
}

extension RequestDecision: Encodable {
    private enum CodingKeys: String, CodingKey {
        case decision, request, outcome, reason
    }

    private enum ReasonKeys: String, CodingKey {
        case code, message
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .deadLetter(let reason):
            try container.encode("deadLetter", forKey: .decision)
            var reasonContainer = container.nestedContainer(keyedBy: ReasonKeys.self, forKey: .reason)
            try reasonContainer.encode(reason.codeName, forKey: .code)
            try reasonContainer.encode(reason.message, forKey: .message)
        case .answer(let outcome):
            try container.encode("answer", forKey: .decision)
            try container.encode(outcome, forKey: .outcome)
        case .query(let request):
            try container.encode("query", forKey: .decision)
            try container.encode(request, forKey: .request)
        }
    }
}
