import Clocks
import DanCuConfig
import DanCuContract
import Synchronization
import Testing

@testable import Scheduling

/// Counts the loads the cache asks for, and can hold them until released.
final class FakeUpstream: Sendable {
    private struct State {
        var calls = 0
        var gate: [CheckedContinuation<Void, Never>] = []
        var held = false
    }

    private let state = Mutex(State())
    let answer: CitizenRecord?

    init(answer: CitizenRecord?, held: Bool = false) {
        self.answer = answer
        state.withLock { $0.held = held }
    }

    var calls: Int { state.withLock { $0.calls } }

    func load() async throws -> CitizenRecord? {
        state.withLock { $0.calls += 1 }
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                guard state.held else { return true }
                state.gate.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
        return answer
    }

    func release() {
        let waiting = state.withLock { state in
            state.held = false
            defer { state.gate = [] }
            return state.gate
        }
        for continuation in waiting { continuation.resume() }
    }
}

struct UpstreamDown: Error {}

extension ResultCache {
    /// An online caller with time to spare, whose load tells nothing besides its answer.
    static let patientCaller = Joiner(channel: .online, waitingAtMost: .seconds(3_600))

    func value(
        for key: CacheKey,
        type: RequestType,
        load: @escaping @Sendable () async throws -> CitizenRecord?
    ) async throws -> (CitizenRecord?, fromCache: Bool) {
        let (record, source) = try await value(for: key, type: type, as: Self.patientCaller) { (try await load(), ()) }
        return (record, source.fromCache)
    }

    func match(
        for key: CacheKey,
        type: RequestType,
        load: @escaping @Sendable () async throws -> Bool
    ) async throws -> (Bool, fromCache: Bool) {
        let (matched, source) = try await match(for: key, type: type, as: Self.patientCaller) { (try await load(), ()) }
        return (matched, source.fromCache)
    }
}

let sampleRecord = CitizenRecord(
    fullName: "TRẦN QUANG KHƯƠNG",
    idNumber: "001203004587",
    legacyIdNumber: "012345678",
    gender: .male,
    ethnicity: "Kinh",
    religion: "Không",
    maritalStatus: "Đã kết hôn",
    bloodType: nil,
    dateOfBirth: .full(year: 2003, month: 4, day: 20),
    nationality: "Việt Nam",
    birthRegistrationPlace: Address(provinceCode: "01", detail: "THÀNH PHỐ HÀ NỘI", country: "VIỆT NAM"),
    hometown: nil,
    permanentAddress: Address(
        provinceCode: "01",
        districtCode: "001",
        wardCode: "00001",
        detail: "SỐ 12 PHỐ HÀNG BẠC, PHƯỜNG HÀNG ĐÀO, QUẬN HOÀN KIẾM, THÀNH PHỐ HÀ NỘI",
        country: "VIỆT NAM"
    ),
    currentAddress: Address(detail: "")
)

@Suite(.timeLimit(.minutes(1))) struct ResultCacheTests {
    private func cache(
        _ clock: TestClock<Duration>,
        _ change: (inout CacheConfiguration) -> Void = { _ in }
    ) -> ResultCache {
        var configuration = CacheConfiguration()
        change(&configuration)
        return ResultCache(
            configuration: configuration,
            secret: Array("a test secret of some length".utf8),
            clock: clock
        )
    }

    private func key(_ cache: ResultCache, _ id: String = "001203004587") -> CacheKey {
        cache.key(for: citizen(id, "TRẦN QUANG KHƯƠNG", .full(year: 2003, month: 4, day: 20)))
    }

    private func citizen(_ id: String, _ name: String, _ dateOfBirth: BirthDate) -> ValidatedRequest.Citizen {
        ValidatedRequest.Citizen(fullName: name, idNumber: id, dateOfBirth: dateOfBirth)
    }

    @Test func keysDependOnEveryFieldAndOnTheSecret() {
        let clock = TestClock()
        let cache = cache(clock)
        let plain = cache.key(for: citizen("001203004587", "TRẦN QUANG KHƯƠNG", .yearOnly(2003)))
        #expect(plain == cache.key(for: citizen("001203004587", "TRẦN QUANG KHƯƠNG", .yearOnly(2003))))
        #expect(plain != cache.key(for: citizen("001203004587", "TRẦN QUANG KHƯƠNG", .yearOnly(2004))))
        #expect(
            plain != cache.key(for: citizen("001203004587", "TRẦN QUANG KHƯƠNG", .full(year: 2003, month: 1, day: 1)))
        )
        #expect(plain != cache.key(for: citizen("001203004588", "TRẦN QUANG KHƯƠNG", .yearOnly(2003))))
        #expect(plain != cache.key(for: citizen("001203004587", "TRẦN QUANG KHƯƠN", .yearOnly(2003))))
        // The separator keeps a digit moved from the number into the name from giving the same message.
        #expect(
            cache.key(for: citizen("00120300458", "7 A", .yearOnly(2003)))
                != cache.key(for: citizen("001203004587", " A", .yearOnly(2003)))
        )
        let other = ResultCache(
            configuration: CacheConfiguration(),
            secret: Array("another secret, also long".utf8),
            clock: clock
        )
        let random = ResultCache(configuration: CacheConfiguration(), secret: nil, clock: clock)
        let keyOfOther = other.key(for: citizen("001203004587", "TRẦN QUANG KHƯƠNG", .yearOnly(2003)))
        let keyOfRandom = random.key(for: citizen("001203004587", "TRẦN QUANG KHƯƠNG", .yearOnly(2003)))
        #expect(Set([plain, keyOfOther, keyOfRandom]).count == 3)
    }

    @Test func foundRecordServesEveryRequestTypeUntilItsTTL() async throws {
        let clock = TestClock()
        let cache = cache(clock)
        let upstream = FakeUpstream(answer: sampleRecord)
        let first = try await cache.value(for: key(cache), type: .lookup, load: upstream.load)
        #expect(first.0 == sampleRecord && !first.fromCache)
        await clock.advance(by: .seconds(599))
        let verify = try await cache.value(for: key(cache), type: .verify, load: upstream.load)
        #expect(verify.0 == sampleRecord && verify.fromCache)
        await clock.advance(by: .seconds(1))
        let afterTTL = try await cache.value(for: key(cache), type: .verify, load: upstream.load)
        #expect(!afterTTL.fromCache)
        #expect(upstream.calls == 2)
        #expect(cache.statistics.hits == 1 && cache.statistics.misses == 2)
    }

    /// The look that needs no waiting: what the cache holds, a miss counted by nobody (the load that
    /// follows counts it), and nothing at all for types the cache is off for.
    @Test func cachedValueAnswersOnlyWhatTheCacheHolds() async throws {
        let clock = TestClock()
        let cache = cache(clock) { $0.enabledFor = [.lookup, .verify] }
        let found = key(cache)
        let missing = key(cache, "001203004599")
        #expect(cache.cachedValue(for: found, type: .verify) == nil)
        #expect(cache.statistics.hits == 0 && cache.statistics.misses == 0)
        _ = try await cache.value(for: found, type: .lookup, load: FakeUpstream(answer: sampleRecord).load)
        _ = try await cache.value(for: missing, type: .lookup, load: FakeUpstream(answer: nil).load)
        #expect(cache.cachedValue(for: found, type: .verify) == .some(sampleRecord))
        #expect(cache.cachedValue(for: missing, type: .lookup) == .some(nil), "a cached not-found")
        #expect(cache.cachedValue(for: found, type: .link) == nil, "caching is off for link")
        #expect(cache.statistics.hits == 2 && cache.statistics.misses == 2)
        await clock.advance(by: .seconds(600))
        #expect(cache.cachedValue(for: found, type: .lookup) == nil, "expired")
    }

    /// A verify that names no fields caches only the database's yes: later such verifies are answered, a
    /// lookup still loads the record, and the record then answers both.
    @Test func aCachedYesAnswersYesOrNoButNeverStandsInForTheRecord() async throws {
        let clock = TestClock()
        let cache = cache(clock)
        let upstream = FakeUpstream(answer: sampleRecord)
        let first = try await cache.match(for: key(cache), type: .verify) { true }
        #expect(first.0 && !first.fromCache)
        #expect(cache.cachedMatch(for: key(cache), type: .verify) == true)
        #expect(cache.cachedValue(for: key(cache), type: .lookup) == nil, "a yes holds no record")
        let lookup = try await cache.value(for: key(cache), type: .lookup, load: upstream.load)
        #expect(lookup.0 == sampleRecord && !lookup.fromCache)
        let again = try await cache.match(for: key(cache), type: .verify) {
            Issue.record("the record answers")
            return false
        }
        #expect(again.0 && again.fromCache)
        #expect(upstream.calls == 1)
        await clock.advance(by: .seconds(600))
        #expect(cache.cachedMatch(for: key(cache), type: .verify) == nil, "a yes lasts foundTTL")
    }

    /// The database's no answers every later question about the same claim, with or without a record.
    @Test func aCachedNoAnswersLookupsToo() async throws {
        let clock = TestClock()
        let cache = cache(clock)
        let no = try await cache.match(for: key(cache), type: .verify) { false }
        #expect(!no.0 && !no.fromCache)
        let lookup = try await cache.value(
            for: key(cache),
            type: .lookup,
            load: FakeUpstream(answer: sampleRecord).load
        )
        #expect(lookup.0 == nil && lookup.fromCache)
    }

    @Test func notFoundAnswerLastsItsShorterTTL() async throws {
        let clock = TestClock()
        let cache = cache(clock)
        let upstream = FakeUpstream(answer: nil)
        _ = try await cache.value(for: key(cache), type: .verify, load: upstream.load)
        await clock.advance(by: .seconds(59))
        let cached = try await cache.value(for: key(cache), type: .verify, load: upstream.load)
        #expect(cached.0 == nil && cached.fromCache)
        await clock.advance(by: .seconds(1))
        let expired = try await cache.value(for: key(cache), type: .verify, load: upstream.load)
        #expect(expired.0 == nil && !expired.fromCache)
        #expect(upstream.calls == 2)
    }

    @Test func leastRecentlyUsedIsEvictedFirst() async throws {
        let clock = TestClock()
        let cache = cache(clock) { $0.maxEntries = 3 }
        let upstream = FakeUpstream(answer: sampleRecord)
        let keys = ["001203004581", "001203004582", "001203004583", "001203004584"].map { key(cache, $0) }
        for key in keys.prefix(3) { _ = try await cache.value(for: key, type: .lookup, load: upstream.load) }
        _ = try await cache.value(for: keys[0], type: .lookup, load: upstream.load)  // the first is used again
        _ = try await cache.value(for: keys[3], type: .lookup, load: upstream.load)
        #expect(cache.statistics.entries == 3 && cache.statistics.evictions == 1)
        // Checked in this order so that the one reload (and its eviction) comes last.
        for (key, expectedFromCache) in [(keys[0], true), (keys[2], true), (keys[3], true), (keys[1], false)] {
            let before = upstream.calls
            let answer = try await cache.value(for: key, type: .lookup, load: upstream.load)
            #expect(answer.fromCache == expectedFromCache)
            #expect(upstream.calls == before + (expectedFromCache ? 0 : 1))
        }
    }

    @Test func byteBoundEvictsUntilTheEntriesFit() async throws {
        let clock = TestClock()
        var table = InternTable(capacity: 100)
        let recordBytes = ResultCache.entryOverheadBytes + CompactRecord(sampleRecord, table: &table).bytes.count
        let cache = cache(clock) { $0.maxBytes = recordBytes * 5 + recordBytes / 2 }
        let upstream = FakeUpstream(answer: sampleRecord)
        for index in 0..<20 {
            _ = try await cache.value(for: key(cache, "0012030045\(10 + index)"), type: .lookup, load: upstream.load)
            #expect(cache.statistics.bytes <= recordBytes * 5 + recordBytes / 2)
        }
        #expect(cache.statistics.entries == 5)
        #expect(cache.statistics.bytes == recordBytes * 5)
        // The five newest remain.
        let newest = try await cache.value(for: key(cache, "001203004529"), type: .lookup, load: upstream.load)
        let oldest = try await cache.value(for: key(cache, "001203004510"), type: .lookup, load: upstream.load)
        #expect(newest.fromCache && !oldest.fromCache)
    }

    @Test func hundredIdenticalConcurrentRequestsMakeOneUpstreamCall() async throws {
        let clock = TestClock()
        let cache = cache(clock)
        let upstream = FakeUpstream(answer: sampleRecord, held: true)
        let key = key(cache)
        try await withThrowingTaskGroup(of: (CitizenRecord?, fromCache: Bool).self) { group in
            for _ in 0..<100 {
                group.addTask { try await cache.value(for: key, type: .verify, load: upstream.load) }
            }
            #expect(await eventually { cache.statistics.misses == 100 })
            upstream.release()
            var answers = 0
            for try await answer in group {
                #expect(answer.0 == sampleRecord && !answer.fromCache)
                answers += 1
            }
            #expect(answers == 100)
        }
        #expect(upstream.calls == 1)
        #expect(cache.statistics.coalesced == 99)
    }

    @Test func errorsReachTheCallerWhoseLoadFailedAndAreNotCached() async throws {
        let clock = TestClock()
        let cache = cache(clock)
        let key = key(cache)
        let failures = Mutex(0)
        let failing: @Sendable () async throws -> CitizenRecord? = {
            failures.withLock { $0 += 1 }
            throw UpstreamDown()
        }
        await #expect(throws: UpstreamDown.self) { try await cache.value(for: key, type: .verify, load: failing) }
        let upstream = FakeUpstream(answer: sampleRecord)
        let answer = try await cache.value(for: key, type: .verify, load: upstream.load)
        #expect(answer.0 == sampleRecord && !answer.fromCache)
        #expect(failures.withLock { $0 } == 1 && cache.statistics.entries == 1)
    }

    @Test func whenTheSharedCallFailsTheMostUrgentJoinerCallsForTheOthers() async throws {
        let clock = TestClock()
        let cache = cache(clock)
        let key = key(cache)
        let failing = FakeUpstream(answer: nil, held: true)
        let answering = FakeUpstream(answer: sampleRecord, held: true)
        let leader = Task {
            try await cache.value(for: key, type: .verify, as: .init(channel: .online, waitingAtMost: .seconds(60))) {
                () async throws -> (CitizenRecord?, Void) in
                _ = try await failing.load()
                throw UpstreamDown()
            }
        }
        #expect(await eventually { failing.calls == 1 })
        func join(_ channel: Channel) -> Task<(CitizenRecord?, source: ResultCache.Source<Channel>), any Error> {
            Task {
                try await cache.value(for: key, type: .verify, as: .init(channel: channel, waitingAtMost: .seconds(60)))
                {
                    (try await answering.load(), channel)
                }
            }
        }
        let batch = join(.batch)
        #expect(await eventually { cache.statistics.coalesced == 1 })
        let online = join(.online)
        #expect(await eventually { cache.statistics.coalesced == 2 })
        failing.release()
        await #expect(throws: UpstreamDown.self) { _ = try await leader.value }
        #expect(await eventually { answering.calls == 1 })
        answering.release()
        let (onlineAnswer, batchAnswer) = (try await online.value, try await batch.value)
        guard case .ownCall(.online) = onlineAnswer.source, case .joined = batchAnswer.source else {
            Issue.record(
                "the online joiner calls, the batch one waits for it: \(onlineAnswer.source), \(batchAnswer.source)"
            )
            return
        }
        #expect(onlineAnswer.0 == sampleRecord && batchAnswer.0 == sampleRecord)
        #expect(answering.calls == 1)
    }

    @Test func aJoinerWaitsOnlyUntilItsOwnDeadline() async throws {
        let clock = TestClock()
        let cache = cache(clock)
        let key = key(cache)
        let upstream = FakeUpstream(answer: sampleRecord, held: true)
        let leader = Task { try await cache.value(for: key, type: .verify, load: upstream.load) }
        #expect(await eventually { upstream.calls == 1 })
        let joiner = Task {
            try await cache.value(for: key, type: .verify, as: .init(channel: .online, waitingAtMost: .seconds(2))) {
                Issue.record("a joiner whose time ran out makes no call")
                return (nil, ())
            }
        }
        #expect(await eventually { cache.statistics.coalesced == 1 })
        // A millisecond past: the expiry timer may register only after the advance.
        await clock.advance(by: .seconds(2) + .milliseconds(1))
        await #expect(throws: ResultCache.JoinExpired.self) { try await joiner.value }
        upstream.release()
        #expect(try await leader.value.0 == sampleRecord)
    }

    @Test func aMoreUrgentCallerMakesItsOwnCallAndLaterCallersJoinIt() async throws {
        let clock = TestClock()
        let cache = cache(clock)
        let key = key(cache)
        let batchCall = FakeUpstream(answer: sampleRecord, held: true)
        let counterCall = FakeUpstream(answer: sampleRecord, held: true)
        func caller(
            _ channel: Channel,
            _ upstream: FakeUpstream
        ) -> Task<(CitizenRecord?, source: ResultCache.Source<Void>), any Error> {
            Task {
                try await cache.value(for: key, type: .verify, as: .init(channel: channel, waitingAtMost: .seconds(60)))
                {
                    (try await upstream.load(), ())
                }
            }
        }
        let batch = caller(.batch, batchCall)
        #expect(await eventually { batchCall.calls == 1 })
        let counter = caller(.counter, counterCall)
        #expect(await eventually { counterCall.calls == 1 }, "the counter caller does not wait at batch priority")
        let online = caller(.online, counterCall)
        #expect(await eventually { cache.statistics.coalesced == 1 })
        counterCall.release()
        #expect(try await counter.value.source.fromCache == false)
        guard case .joined = try await online.value.source else {
            Issue.record("the online caller joins the counter call")
            return
        }
        batchCall.release()
        #expect(try await batch.value.0 == sampleRecord)
        #expect(counterCall.calls == 1 && batchCall.calls == 1)
    }

    @Test func halfTheRequestsRepeatingHalvesTheUpstreamCalls() async throws {
        let clock = TestClock()
        let cache = cache(clock)
        let upstream = FakeUpstream(answer: sampleRecord)
        // 1,000 citizens, each asked twice, the repeat a little later (within the TTL).
        let idNumbers = (0..<1_000).map { "0012030\(String(10_000 + $0))" }
        for round in 0..<2 {
            for idNumber in idNumbers {
                let answer = try await cache.value(for: key(cache, idNumber), type: .verify, load: upstream.load)
                #expect(answer.fromCache == (round == 1))
            }
            await clock.advance(by: .seconds(60))
        }
        #expect(upstream.calls == 1_000)
        #expect(cache.statistics.hits == 1_000)
    }

    @Test func typesLeftOutOfTheCacheAlwaysAskTheDatabase() async throws {
        let clock = TestClock()
        let cache = cache(clock) { $0.enabledFor = [.verify, .lookup] }
        let upstream = FakeUpstream(answer: sampleRecord)
        for _ in 0..<3 {
            let answer = try await cache.value(for: key(cache), type: .link, load: upstream.load)
            #expect(!answer.fromCache)
        }
        #expect(upstream.calls == 3 && cache.statistics.entries == 0)
    }

    @Test(arguments: [
        sampleRecord,
        CitizenRecord(fullName: "A", idNumber: "123456789", dateOfBirth: .yearOnly(1931)),
        CitizenRecord(
            fullName: String(repeating: "NGUYỄN ", count: 40),
            idNumber: "001203004587",
            gender: .female,
            dateOfBirth: .full(year: 1990, month: 12, day: 31),
            hometown: Address(wardCode: "00001")
        ),
        // Since 1 July 2025: a two-level address (no district) beside one an older record still has.
        CitizenRecord(
            fullName: "BÙI THỊ HÒA",
            idNumber: "017185000456",
            dateOfBirth: .full(year: 1985, month: 3, day: 12),
            birthRegistrationPlace: Address(
                provinceCode: "17",
                districtCode: "148",
                wardCode: "04924",
                detail: "PHƯỜNG THỐNG NHẤT, THÀNH PHỐ HÒA BÌNH, TỈNH HÒA BÌNH"
            ),
            permanentAddress: Address(
                provinceCode: "25",
                wardCode: "04924",
                detail: "XÓM MỚI, PHƯỜNG THỐNG NHẤT, TỈNH PHÚ THỌ",
                country: "VIỆT NAM"
            )
        ),
    ])
    func compactRecordsReadBackAsTheyWereStoredAndReleaseTheirSharedStrings(record: CitizenRecord) {
        var table = InternTable(capacity: 1_000)
        let compact = CompactRecord(record, table: &table)
        let again = CompactRecord(record, table: &table)
        #expect(compact.record(in: table) == record)
        compact.release(from: &table)
        #expect(again.record(in: table) == record)
        again.release(from: &table)
        #expect(table.count == 0)
    }

    @Test func recordsStillPackWhenTheSharedTableIsFull() {
        var table = InternTable(capacity: 2)
        let compact = CompactRecord(sampleRecord, table: &table)
        #expect(table.count == 2)
        #expect(compact.record(in: table) == sampleRecord)
    }

    @Test func sharedStringsLeaveWithTheLastRecordThatUsesThem() async throws {
        let clock = TestClock()
        let cache = cache(clock) { $0.maxEntries = 1 }
        let upstream = FakeUpstream(answer: sampleRecord)
        _ = try await cache.value(for: key(cache, "001203004581"), type: .lookup, load: upstream.load)
        _ = try await cache.value(for: key(cache, "001203004582"), type: .lookup, load: upstream.load)
        await clock.advance(by: .seconds(600))
        let expired = try await cache.value(for: key(cache, "001203004582"), type: .lookup, load: upstream.load)
        #expect(!expired.fromCache && cache.statistics.entries == 1 && cache.statistics.sharedStrings > 0)
        let other = FakeUpstream(
            answer: CitizenRecord(fullName: "A", idNumber: "123456789", dateOfBirth: .yearOnly(1931))
        )
        _ = try await cache.value(for: key(cache, "001203004583"), type: .lookup, load: other.load)
        #expect(cache.statistics.sharedStrings == 0)
    }
}
