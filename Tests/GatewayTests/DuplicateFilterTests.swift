import Clocks
import Testing

@testable import Gateway

@Suite struct DuplicateFilterTests {
    private let key = DuplicateFilter.Key(portal: "phutho", requestId: "r1")

    @Test func aClaimSaysWhetherTheCopyIsFirstADuplicateOrWaitingForTheFirst() {
        let filter = DuplicateFilter(window: .seconds(60), capacity: 10, maxBytes: 1 << 20, clock: TestClock())
        guard case .first = filter.claim(key) else {
            Issue.record("the first copy must get the claim")
            return
        }
        #expect(filter.claim(key) == .firstCopyInFlight, "a copy while the first is in flight must wait")
        filter.complete(key, outcome: [1, 2, 3])
        guard case .duplicate(let previous) = filter.claim(key) else {
            Issue.record("a later copy must get the first outcome")
            return
        }
        #expect(previous == [1, 2, 3])
        guard case .first = filter.claim(DuplicateFilter.Key(portal: "angiang", requestId: "r1")) else {
            Issue.record("the same id from another portal is another request")
            return
        }
    }

    @Test func aCopyWaitingForTheFirstGetsItsOutcomeOrTakesOverWhenItIsAbandoned() async {
        let filter = DuplicateFilter(window: .seconds(60), capacity: 10, maxBytes: 1 << 20, clock: TestClock())
        _ = filter.claim(key)
        async let waitingCopy = filter.outcomeOfFirstCopy(key)
        // The copy registers itself; completing before it does is answered the same way.
        filter.complete(key, outcome: [7])
        #expect(await waitingCopy == [7], "the waiting copy must get the first outcome")

        let other = DuplicateFilter.Key(portal: "phutho", requestId: "r2")
        _ = filter.claim(other)
        async let abandoned = filter.outcomeOfFirstCopy(other)
        filter.abandon(other)
        #expect(await abandoned == nil, "a copy waiting for an abandoned first is told to claim again")
        guard case .first = filter.claim(other) else {
            Issue.record("an abandoned request is claimed afresh")
            return
        }
    }

    @Test func withoutCapacityEveryCopyIsFirst() {
        let filter = DuplicateFilter(window: .seconds(60), capacity: 0, maxBytes: 1 << 20, clock: TestClock())
        for _ in 0..<3 {
            guard case .first = filter.claim(key) else {
                Issue.record("capacity 0 turns the filter off")
                return
            }
        }
    }

    @Test func theOldestOutcomesLeaveBeyondTheCapacity() {
        let filter = DuplicateFilter(window: .seconds(60), capacity: 2, maxBytes: 1 << 20, clock: TestClock())
        let keys = (0..<3).map { DuplicateFilter.Key(portal: "phutho", requestId: "r\($0)") }
        for key in keys {
            _ = filter.claim(key)
            filter.complete(key, outcome: [0])
        }
        guard case .first = filter.claim(keys[0]) else {
            Issue.record("the oldest outcome must have left")
            return
        }
        guard case .duplicate = filter.claim(keys[2]) else {
            Issue.record("the newest outcome must still be there")
            return
        }
    }

    /// Large outcomes (a lookup releasing many fields) fill memory long before the count does: the oldest leave
    /// once the remembered bytes pass `maxBytes`, and what expires gives its bytes back.
    @Test func theOldestOutcomesLeaveBeyondTheBytes() async {
        let clock = TestClock()
        let outcome = [UInt8](repeating: 7, count: 1_000)
        let keys = (0..<4).map { DuplicateFilter.Key(portal: "phutho", requestId: "r\($0)") }
        let entry = DuplicateFilter.size(of: keys[0], outcome: outcome)
        let filter = DuplicateFilter(window: .seconds(60), capacity: 100, maxBytes: 3 * entry, clock: clock)
        for key in keys {
            _ = filter.claim(key)
            filter.complete(key, outcome: outcome)
        }
        #expect(filter.claim(keys[0]) == .first, "the oldest outcome must have left: four do not fit")
        for key in keys[1...] {
            #expect(filter.claim(key) == .duplicate(outcome), "\(key.requestId) fits")
        }
        // Once they expire their bytes are free again: three new outcomes fit at once.
        await clock.advance(by: .seconds(60))
        // Ids as long as the first ones: each entry is the same size.
        let later = (0..<3).map { DuplicateFilter.Key(portal: "phutho", requestId: "s\($0)") }
        for key in later {
            _ = filter.claim(key)
            filter.complete(key, outcome: outcome)
        }
        for key in later {
            #expect(filter.claim(key) == .duplicate(outcome), "\(key.requestId) fits after the others expired")
        }
    }

    @Test func anOutcomeIsRepeatedUntilTheWindowEndsInVirtualTime() async {
        let clock = TestClock()
        let filter = DuplicateFilter(window: .seconds(60), capacity: 10, maxBytes: 1 << 20, clock: clock)
        _ = filter.claim(key)
        filter.complete(key, outcome: [4])
        await clock.advance(by: .seconds(59))
        guard case .duplicate([4]) = filter.claim(key) else {
            Issue.record("within the window a copy gets the first outcome")
            return
        }
        await clock.advance(by: .seconds(1))
        guard case .first = filter.claim(key) else {
            Issue.record("once the window has passed the request is new again")
            return
        }
    }

    @Test func theWindowCountsFromEachOutcomeNotFromTheOldest() async {
        let clock = TestClock()
        let filter = DuplicateFilter(window: .seconds(10), capacity: 10, maxBytes: 1 << 20, clock: clock)
        let early = DuplicateFilter.Key(portal: "phutho", requestId: "early")
        _ = filter.claim(early)
        filter.complete(early, outcome: [1])
        await clock.advance(by: .seconds(6))
        _ = filter.claim(key)
        filter.complete(key, outcome: [2])
        await clock.advance(by: .seconds(6))
        guard case .first = filter.claim(early) else {
            Issue.record("the earlier outcome is 12 s old: expired")
            return
        }
        guard case .duplicate([2]) = filter.claim(key) else {
            Issue.record("the later outcome is 6 s old: still repeated")
            return
        }
    }
}
