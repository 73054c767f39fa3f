import Clocks
import DanCuConfig
import DanCuContract
import Foundation
import Testing

@testable import Gateway

/// Planning a request message without Kafka: from its value, its portal's topic, the duplicate filter and the cache.
@Suite struct RequestPlannerTests {
    private let rules: ContractRules
    private let topic: String
    private let duplicates = DuplicateFilter(window: .seconds(60), capacity: 100, maxBytes: 1 << 20, clock: TestClock())

    init() throws {
        rules = try GatewayConfiguration.load(path: ShippedConfiguration.path, environment: [:]).1
        topic = try #require(rules.portal(withId: "angiang").map(rules.requestTopic(for:)))
    }

    private func planner(cache: [String: Outcome] = [:]) -> RequestPlanner {
        RequestPlanner(
            rules: rules,
            duplicates: duplicates,
            cachedOutcome: { cache[$0.requestId] },
            wallClock: { Date(timeIntervalSince1970: 1_716_168_600) }
        )
    }

    private static func verify(_ requestId: String, idNumber: String = "089090001234") -> [UInt8] {
        Array(
            """
            {"requestId":"\(requestId)","type":"verify","channel":"online",
             "citizen":{"fullName":"Trần Quang Khương","idNumber":"\(idNumber)","dateOfBirth":"20/04/1990"}}
            """.utf8
        )
    }

    @Test func anUnreadableMessageIsDeadLetteredAndCountedForItsTopicsPortal() {
        let (plan, consumed) = planner().plan(topic: topic, value: Array("not json".utf8), keyAndHeadersBytes: 0)
        guard case .deadLetter(let reason) = plan else {
            Issue.record("expected a dead letter, got \(plan)")
            return
        }
        #expect(reason.codeName == "not_json")
        #expect(consumed == RequestPlanner.Consumed(portal: "angiang", type: nil, channel: nil))
    }

    @Test func aMessageOnNoPortalsTopicIsCountedAsUnknown() {
        let (plan, consumed) = planner().plan(
            topic: "dancu.requests.nowhere",
            value: Self.verify("r1"),
            keyAndHeadersBytes: 0
        )
        guard case .deadLetter(let reason) = plan else {
            Issue.record("expected a dead letter, got \(plan)")
            return
        }
        #expect(reason.codeName == "unknown_portal")
        #expect(consumed.portal == "unknown")
    }

    @Test func aValidRequestTheCacheCannotAnswerCallsTheDatabaseAndHoldsTheClaim() throws {
        let (plan, consumed) = planner().plan(topic: topic, value: Self.verify("r1"), keyAndHeadersBytes: 0)
        guard case .callDatabase(let request) = plan else {
            Issue.record("expected a database call, got \(plan)")
            return
        }
        #expect(request.requestId == "r1")
        #expect(consumed == RequestPlanner.Consumed(portal: "angiang", type: .verify, channel: .online))
        #expect(duplicates.claim(DuplicateFilter.Key(portal: "angiang", requestId: "r1")) == .firstCopyInFlight)
    }

    @Test func aCopyWaitsForTheFirstAndThenRepeatsItsOutcome() {
        let planner = planner()
        _ = planner.plan(topic: topic, value: Self.verify("r1"), keyAndHeadersBytes: 0)
        let (copy, _) = planner.plan(topic: topic, value: Self.verify("r1"), keyAndHeadersBytes: 0)
        guard case .waitForFirstCopy(let request) = copy else {
            Issue.record("expected to wait for the first copy, got \(copy)")
            return
        }
        duplicates.complete(request.key, outcome: [42])
        #expect(planner.plan(request) == .answerNow(.repeated([42], of: request)))
    }

    @Test func aCopyWhoseFirstGaveUpCallsTheDatabaseItself() {
        let planner = planner()
        let (first, _) = planner.plan(topic: topic, value: Self.verify("r1"), keyAndHeadersBytes: 0)
        let (copy, _) = planner.plan(topic: topic, value: Self.verify("r1"), keyAndHeadersBytes: 0)
        guard case .callDatabase(let request) = first, case .waitForFirstCopy(let waiting) = copy else {
            Issue.record("expected a call and a copy waiting, got \(first) and \(copy)")
            return
        }
        duplicates.abandon(waiting.key)
        #expect(planner.plan(waiting) == .callDatabase(request))
    }

    @Test func aCacheHitIsAnsweredNowAsThisCopysOwnOutcome() throws {
        let request = try #require(decided(Self.verify("r2")))
        let cached = request.verified(matched: true, source: .cache, attempts: 0, completedAt: request.receivedAt)
        let (plan, _) = planner(cache: ["r2": cached]).plan(
            topic: topic,
            value: Self.verify("r2"),
            keyAndHeadersBytes: 0
        )
        #expect(plan == .answerNow(.fresh(cached, of: .query(request))))
    }

    @Test func anOutcomeOfTheRulesIsAnsweredNowWithoutTheCache() {
        // A CCCD whose century digit contradicts the date of birth: answered without asking anyone.
        let (plan, consumed) = planner().plan(
            topic: topic,
            value: Self.verify("r3", idNumber: "089290001234"),
            keyAndHeadersBytes: 0
        )
        guard case .answerNow(.fresh(let outcome, of: .answeredByRules)) = plan else {
            Issue.record("expected the rules' own outcome, got \(plan)")
            return
        }
        #expect(outcome.source == .gateway)
        #expect(consumed.type == .verify)
        #expect(consumed.channel == nil)
    }

    private func decided(_ value: [UInt8]) -> ValidatedRequest? {
        if case .query(let request) = rules.decide(
            topic: topic,
            value: value,
            receivedAt: Date(timeIntervalSince1970: 1_716_168_600)
        ) {
            request
        } else {
            nil
        }
    }
}
