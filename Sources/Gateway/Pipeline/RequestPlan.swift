import DanCuContract
import Foundation

/// A request the gateway can answer: the rules answered it already, or the population database is to be asked.
enum AnswerableRequest: Sendable, Equatable {
    /// Validation answered it (`invalid_request`, `forbidden`, …): no database, no audit record.
    case answeredByRules(Outcome)
    case query(ValidatedRequest)

    var key: DuplicateFilter.Key {
        switch self {
        case .answeredByRules(let outcome): DuplicateFilter.Key(portal: outcome.portal, requestId: outcome.requestId)
        case .query(let request): DuplicateFilter.Key(portal: request.portal, requestId: request.requestId)
        }
    }

    /// The request the population database is (or would be) asked about, for its span and audit record.
    var query: ValidatedRequest? {
        if case .query(let request) = self { request } else { nil }
    }
}

/// What to do with one request message, decided once (`RequestPlanner.plan`) and carried out by
/// `RequestProcessor`.
enum RequestPlan: Sendable, Equatable {
    /// Publish at once, without a task: validation answered, the cache held the citizen, or an earlier
    /// copy of the request was answered.
    case answerNow(ReadyAnswer)
    /// Unreadable, or from no configured portal's topic: publish it to the dead-letter topic.
    case deadLetter(DeadLetterReason)
    /// This copy is first and the cache has no answer: ask the population database (where an identical
    /// call is in flight, the cache joins it).
    case callDatabase(ValidatedRequest)
    /// An identical copy is being answered: wait for its outcome, or plan again if it gives up.
    case waitForFirstCopy(AnswerableRequest)

    /// The request the population database is (or would be) asked about, when the plan concerns one.
    var query: ValidatedRequest? {
        switch self {
        case .answerNow(let answer): answer.request.query
        case .deadLetter: nil
        case .callDatabase(let request): request
        case .waitForFirstCopy(let request): request.query
        }
    }

    enum ReadyAnswer: Sendable, Equatable {
        /// This copy's own outcome; the copy holds the duplicate filter's claim.
        case fresh(Outcome, of: AnswerableRequest)
        /// The bytes an earlier copy published.
        case repeated([UInt8], of: AnswerableRequest)

        var request: AnswerableRequest {
            switch self {
            case .fresh(_, let request), .repeated(_, let request): request
            }
        }
    }
}

/// Reads, validates and checks a request message against the duplicate filter and the cache, and says
/// what to do with it. Claims the duplicate filter's key when the plan makes this copy the first.
struct RequestPlanner: Sendable {
    let rules: ContractRules
    let duplicates: DuplicateFilter
    /// The cache's answer, without waiting; `nil` when the population database must be asked.
    let cachedOutcome: @Sendable (ValidatedRequest) -> Outcome?
    /// Stamps when a request was received; its deadline and `requestedAt` are dates.
    let wallClock: @Sendable () -> Date

    /// What a request consumed from `topic` counts as, whatever its plan.
    struct Consumed: Equatable {
        let portal: String
        let type: RequestType?
        let channel: Channel?
    }

    /// The plan for a message just consumed, and how it counts. `keyAndHeadersBytes` counts toward
    /// `requests.maxMessageBytes` with the value.
    func plan(topic: String, value: [UInt8], keyAndHeadersBytes: Int) -> (RequestPlan, Consumed) {
        switch rules.decide(topic: topic, value: value, keyAndHeadersBytes: keyAndHeadersBytes, receivedAt: wallClock())
        {
        case .deadLetter(let reason):
            let portal = rules.portal(forRequestTopic: topic)?.id ?? "unknown"
            return (.deadLetter(reason), Consumed(portal: portal, type: nil, channel: nil))
        case .answer(let outcome):
            return (plan(.answeredByRules(outcome)), Consumed(portal: outcome.portal, type: outcome.type, channel: nil))
        case .query(let request):
            return (
                plan(.query(request)), Consumed(portal: request.portal, type: request.type, channel: request.channel)
            )
        }
    }

    /// The plan for a readable request as the duplicate filter and the cache stand now; also the plan again
    /// for a copy whose first copy gave up.
    func plan(_ request: AnswerableRequest) -> RequestPlan {
        switch duplicates.claim(request.key) {
        case .firstCopyInFlight:
            return .waitForFirstCopy(request)
        case .duplicate(let previous):
            return .answerNow(.repeated(previous, of: request))
        case .first:
            switch request {
            case .answeredByRules(let outcome):
                return .answerNow(.fresh(outcome, of: request))
            case .query(let query):
                guard let cached = cachedOutcome(query) else { return .callDatabase(query) }
                return .answerNow(.fresh(cached, of: request))
            }
        }
    }
}
