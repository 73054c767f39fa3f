import Crypto
import DanCuContract
import Synchronization

/// Remembers population-database answers in memory (never on disk): found records for
/// `foundTTL`, not-found answers for `notFoundTTL`, least recently used evicted first within
/// `maxEntries` and `maxBytes`. Identical queries in flight at once share one upstream call.
///
/// Sharing a call never costs a request its own deadline or priority (see `Joiner`): a request joins a call
/// only if that call was asked at least as urgently, waits for it only until its own deadline, and when the
/// call fails (or its request expires, is withdrawn or cancelled) the most urgent request still waiting makes
/// its own call, through its own `load`, which the others then wait for.
///
/// The key does not depend on the request type or procedure: a record cached for a lookup answers
/// a verify of the same (ID, name, date of birth), and serves any procedure's allowed fields (the
/// caller minimises the record per procedure, as it does for fresh answers). A verify that asks for no
/// fields caches only the database's yes (`matched`) or no: that answers later such verifies, while a
/// lookup of the same citizen still fetches, and then caches, the record.
public final class ResultCache: Sendable {
    fileprivate enum Answer {
        case found(CompactRecord)
        /// The identity exists; its record was not fetched.
        case matched
        case notFound
    }

    /// An answer as callers receive it.
    fileprivate enum Fresh: Sendable {
        case found(CitizenRecord)
        case matched
        case notFound

        var record: CitizenRecord? { if case .found(let record) = self { record } else { nil } }
    }

    /// Who asks, as far as sharing a call is concerned.
    public struct Joiner: Sendable {
        /// The caller's channel: a call is shared only with callers of the same or a lower priority, so that a
        /// counter request never waits behind a batch request's place in the scheduler.
        public var channel: Channel
        /// How long the caller may wait for another caller's call: the time left until its deadline.
        public var waitingAtMost: Duration

        public init(channel: Channel, waitingAtMost: Duration) {
            self.channel = channel
            self.waitingAtMost = waitingAtMost
        }
    }

    /// Where an answer came from.
    public enum Source<Call: Sendable>: Sendable {
        /// The cache held it.
        case cache
        /// Another caller's identical call answered it.
        case joined
        /// This caller's own `load` answered it, with what that load returned besides the answer.
        case ownCall(Call)

        public var fromCache: Bool { if case .cache = self { true } else { false } }
    }

    /// A joiner's deadline passed before the call it joined (or its own turn to call) came.
    public struct JoinExpired: Error {}

    /// A load under way: for a record, or for a yes or no (which cannot stand in for a record).
    fileprivate struct Pending: Hashable {
        let key: CacheKey
        let needsRecord: Bool
    }

    /// One call under way and the callers waiting for it.
    fileprivate struct Load {
        /// The caller making it: its channel's priority (`Channel.priorityIndex`, 0 most urgent).
        var urgency: Int
        var joiners: [UInt64: Waiting] = [:]
    }

    fileprivate struct Waiting {
        let urgency: Int
        let continuation: CheckedContinuation<Step, any Error>
        /// Resumes the joiner with `JoinExpired` at its deadline.
        let deadline: Task<Void, Never>
    }

    fileprivate struct State {
        var entries: ExpiringLRU<CacheKey, Answer>
        var sharedStrings = InternTable(capacity: ResultCache.sharedStringCapacity)
        var loads: [UInt64: Load] = [:]
        /// The load each joiner waits for.
        var joined: [UInt64: UInt64] = [:]
        /// The load that new callers of a pending key join: the most urgent one started.
        var joinable: [Pending: UInt64] = [:]
        var nextId: UInt64 = 0
        var hits = 0
        var misses = 0
        var coalesced = 0
    }

    fileprivate enum Step {
        /// The cache held the answer.
        case cached(Fresh)
        /// Another caller's load answered.
        case joined(Fresh)
        /// This caller makes load `id`, for itself and whoever joins it.
        case load(id: UInt64)
    }

    /// Memory of an entry besides its record bytes: its LRU node, its index slot at the index's
    /// load factor, and the record buffer's allocation header (measured, see Docs/operations.md).
    static let entryOverheadBytes = 160
    /// Distinct shared strings (place names, codes, vocabulary) kept at most; a million records of
    /// the synthetic population use a few tens of thousands.
    static let sharedStringCapacity = 1 << 20

    private let configuration: CacheConfiguration
    private let enabledTypes: Set<RequestType>
    /// Keyed once: each key copies it, instead of deriving the HMAC pads from the secret per request.
    private let keyedHMAC: HMAC<SHA256>
    private let clock: ElapsedClock
    private let state: Mutex<State>

    /// - Parameter secret: the HMAC key; `nil` draws a random one for this process.
    public init(configuration: CacheConfiguration, secret: [UInt8]?, clock: any Clock<Duration>) {
        self.configuration = configuration
        enabledTypes = Set(configuration.enabledFor)
        keyedHMAC = HMAC(key: secret.map { SymmetricKey(data: $0) } ?? SymmetricKey(size: .bits256))
        self.clock = ElapsedClock(clock)
        state = Mutex(
            State(entries: ExpiringLRU(maxEntries: configuration.maxEntries, maxBytes: configuration.maxBytes))
        )
    }

    /// The key for a citizen as validation leaves it: the name already normalised as the database compares
    /// names (normalising again was a twelfth of the cache-hit path), the date written as `dd/MM/yyyy` or `yyyy`.
    /// A `link` adds its CMND: its yes or no is about the pair of numbers, and answers nothing else.
    public func key(for citizen: ValidatedRequest.Citizen, legacyIdNumber: String? = nil) -> CacheKey {
        var message: [UInt8] = []
        message.reserveCapacity(64)
        message.append(contentsOf: citizen.idNumber.utf8)
        // A separator that cannot occur in the fields keeps ("12", "3…") apart from ("123", "…"); an absent
        // name or date is empty, which no given one is.
        message.append(0x1F)
        message.append(contentsOf: (citizen.fullName ?? "").utf8)
        message.append(0x1F)
        message.append(contentsOf: (citizen.dateOfBirth?.displayText ?? "").utf8)
        if let legacyIdNumber {
            message.append(0x1F)
            message.append(contentsOf: legacyIdNumber.utf8)
        }
        var hmac = keyedHMAC
        hmac.update(data: message)
        let code = hmac.finalize()
        return code.withUnsafeBytes { bytes in
            var high: UInt64 = 0
            var low: UInt64 = 0
            for index in 0..<8 {
                high = high << 8 | UInt64(bytes[index])
                low = low << 8 | UInt64(bytes[index + 8])
            }
            return CacheKey(high: high, low: low)
        }
    }

    /// The answer for `key`: from the cache, from an identical call already under way (see `Joiner`), or
    /// from `load` (whose answer is then cached; errors are not, and reach only the caller whose `load` threw).
    /// Request types the configuration leaves out always call `load` and store nothing.
    /// A record is `nil` when the database has no such citizen.
    /// - Throws: `load`'s error; `JoinExpired` when the caller's time ran out waiting; `CancellationError`.
    public func value<Call: Sendable>(
        for key: CacheKey,
        type: RequestType,
        as joiner: Joiner,
        load: @Sendable () async throws -> (CitizenRecord?, Call)
    ) async throws -> (CitizenRecord?, source: Source<Call>) {
        let (answer, source) = try await answer(for: Pending(key: key, needsRecord: true), type: type, as: joiner) {
            let (record, call) = try await load()
            return (record.map(Fresh.found) ?? .notFound, call)
        }
        return (answer.record, source)
    }

    /// What the cache holds for `key`, without waiting: `.some(nil)` is a cached not-found; `nil` when it
    /// holds nothing or caching is off for `type` (then `value(for:type:as:load:)` loads or joins a load).
    public func cachedValue(for key: CacheKey, type: RequestType) -> CitizenRecord?? {
        cachedAnswer(for: Pending(key: key, needsRecord: true), type: type).map(\.record)
    }

    /// Whether the claimed identity exists, as `value(for:type:as:load:)` answers a record: a cached record or
    /// not-found answers it as well as a cached yes; `load` asks the database yes or no, and only that
    /// answer is cached.
    public func match<Call: Sendable>(
        for key: CacheKey,
        type: RequestType,
        as joiner: Joiner,
        load: @Sendable () async throws -> (Bool, Call)
    ) async throws -> (Bool, source: Source<Call>) {
        let (answer, source) = try await answer(for: Pending(key: key, needsRecord: false), type: type, as: joiner) {
            let (matched, call) = try await load()
            return (matched ? .matched : .notFound, call)
        }
        return (answer.isMatch, source)
    }

    /// The yes or no the cache holds for `key`, without waiting; `nil` as for `cachedValue(for:type:)`.
    public func cachedMatch(for key: CacheKey, type: RequestType) -> Bool? {
        cachedAnswer(for: Pending(key: key, needsRecord: false), type: type).map(\.isMatch)
    }

    public var statistics: CacheStatistics {
        state.withLock { state in
            CacheStatistics(
                hits: state.hits,
                misses: state.misses,
                coalesced: state.coalesced,
                evictions: state.entries.evictions,
                entries: state.entries.count,
                bytes: state.entries.bytes,
                sharedStrings: state.sharedStrings.count
            )
        }
    }

    // MARK: Internals

    private func cachedAnswer(for pending: Pending, type: RequestType) -> Fresh? {
        guard enabledTypes.contains(type) else { return nil }
        return state.withLock { $0.cachedAnswer(for: pending, now: clock.now) }
    }

    /// The answer from the cache, from an identical load under way, or from `load`.
    private func answer<Call: Sendable>(
        for pending: Pending,
        type: RequestType,
        as joiner: Joiner,
        load: @Sendable () async throws -> (Fresh, Call)
    ) async throws -> (Fresh, Source<Call>) {
        guard enabledTypes.contains(type) else {
            let (fresh, call) = try await load()
            return (fresh, .ownCall(call))
        }
        // Hits, the common case, answer without suspending.
        if let cached = cachedAnswer(for: pending, type: type) { return (cached, .cache) }
        let urgency = joiner.channel.priorityIndex
        let waiter = state.withLock { state in
            state.nextId &+= 1
            return state.nextId
        }
        let step = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Step, any Error>) in
                state.withLock { state in
                    // A load may have finished since the look above.
                    if let cached = state.cachedAnswer(for: pending, now: clock.now) {
                        continuation.resume(returning: .cached(cached))
                        return
                    }
                    state.misses += 1
                    if Task.isCancelled {
                        continuation.resume(throwing: CancellationError())
                    } else if let id = state.joinable[pending], let load = state.loads[id], load.urgency <= urgency {
                        state.coalesced += 1
                        state.joined[waiter] = id
                        state.loads[id]?.joiners[waiter] = Waiting(
                            urgency: urgency,
                            continuation: continuation,
                            deadline: expiry(of: waiter, in: id, after: joiner.waitingAtMost)
                        )
                    } else {
                        // Nothing to join, or only a less urgent call: this caller calls, and callers after it
                        // join this call rather than the other one.
                        state.loads[waiter] = Load(urgency: urgency)
                        state.joinable[pending] = waiter
                        continuation.resume(returning: .load(id: waiter))
                    }
                }
            }
        } onCancel: {
            resumeJoiner(waiter, throwing: CancellationError())
        }
        switch step {
        case .cached(let answer):
            return (answer, .cache)
        case .joined(let answer):
            return (answer, .joined)
        case .load(let id):
            let (fresh, call) = try await loadAndShare(pending, id: id, load: load)
            return (fresh, .ownCall(call))
        }
    }

    /// A timer that resumes joiner `waiter` of load `id` with `JoinExpired` after `limit`.
    private func expiry(of waiter: UInt64, in id: UInt64, after limit: Duration) -> Task<Void, Never> {
        let clock = clock
        return Task { [weak self] in
            do {
                try await clock.sleep(for: limit)
            } catch {
                return  // the joiner was answered first
            }
            self?.resumeJoiner(waiter, throwing: JoinExpired())
        }
    }

    /// Takes `waiter` out of whichever load it waits for, if it still does, and resumes it with `error`.
    private func resumeJoiner(_ waiter: UInt64, throwing error: any Error) {
        let waiting = state.withLock { state -> Waiting? in
            guard let id = state.joined.removeValue(forKey: waiter) else { return nil }
            return state.loads[id]?.joiners.removeValue(forKey: waiter)
        }
        guard let waiting else { return }
        waiting.deadline.cancel()
        waiting.continuation.resume(throwing: error)
    }

    private func loadAndShare<Call: Sendable>(
        _ pending: Pending,
        id: UInt64,
        load: @Sendable () async throws -> (Fresh, Call)
    ) async throws -> (Fresh, Call) {
        let result: Result<(Fresh, Call), any Error>
        do {
            result = .success(try await load())
        } catch {
            result = .failure(error)
        }
        let (answered, promoted) = state.withLock { state -> ([Waiting], Waiting?) in
            guard case .success(let (fresh, _)) = result else {
                // The joiners asked for an answer, not for this caller's failure (its deadline, its partition,
                // its cancellation): the most urgent of them calls next, the others wait for that call.
                guard
                    let next = state.loads[id]?.joiners.min(by: {
                        ($0.value.urgency, $0.key) < ($1.value.urgency, $1.key)
                    })
                else {
                    state.finish(pending, load: id)
                    return ([], nil)
                }
                state.loads[id]?.joiners.removeValue(forKey: next.key)
                state.joined.removeValue(forKey: next.key)
                state.loads[id]?.urgency = next.value.urgency
                return ([], next.value)
            }
            state.insert(fresh, for: pending.key, configuration: configuration, now: clock.now)
            let joiners = state.loads[id].map { Array($0.joiners.values) } ?? []
            state.finish(pending, load: id)
            return (joiners, nil)
        }
        if let promoted {
            promoted.deadline.cancel()
            promoted.continuation.resume(returning: .load(id: id))
        }
        if case .success(let (fresh, _)) = result {
            for joiner in answered {
                joiner.deadline.cancel()
                joiner.continuation.resume(returning: .joined(fresh))
            }
        }
        return try result.get()
    }
}

extension ResultCache.Fresh {
    /// Whether the database knows the claimed identity.
    fileprivate var isMatch: Bool {
        switch self {
        case .found, .matched: true
        case .notFound: false
        }
    }
}

extension ResultCache.State {
    /// Caches a fresh answer for its TTL.
    fileprivate mutating func insert(
        _ fresh: ResultCache.Fresh,
        for key: CacheKey,
        configuration: CacheConfiguration,
        now: SchedulingInstant
    ) {
        let answer: ResultCache.Answer
        var recordBytes = 0
        switch fresh {
        case .found(let record):
            let compact = CompactRecord(record, table: &sharedStrings)
            answer = .found(compact)
            recordBytes = compact.bytes.count
        case .matched:
            answer = .matched
        case .notFound:
            answer = .notFound
        }
        let ttl = fresh.isMatch ? configuration.foundTTL : configuration.notFoundTTL
        entries.insert(
            answer,
            for: key,
            bytes: ResultCache.entryOverheadBytes + recordBytes,
            expires: now.advanced(by: ttl.duration)
        )
        releaseRemoved()
    }

    /// Load `id` is over: later callers start or join another.
    fileprivate mutating func finish(_ pending: ResultCache.Pending, load id: UInt64) {
        if let load = loads.removeValue(forKey: id) {
            for joiner in load.joiners.keys { joined.removeValue(forKey: joiner) }
        }
        if joinable[pending] == id { joinable.removeValue(forKey: pending) }
    }

    /// The answer the cache holds for the pending load's key, counted as a hit. `nil` on a miss (a cached yes
    /// is one for a caller that needs the record), which is not counted here: the caller goes on to load or
    /// to join a load.
    fileprivate mutating func cachedAnswer(
        for pending: ResultCache.Pending,
        now: SchedulingInstant
    ) -> ResultCache.Fresh? {
        let lookup = entries.value(for: pending.key, now: now)
        releaseRemoved()
        switch lookup {
        case .hit(.found(let compact)):
            guard let record = compact.record(in: sharedStrings) else { return nil }
            hits += 1
            return .found(record)
        case .hit(.matched):
            guard !pending.needsRecord else { return nil }
            hits += 1
            return .matched
        case .hit(.notFound):
            hits += 1
            return .notFound
        case .miss:
            return nil
        }
    }

    /// Gives back the shared strings of records that left the cache.
    fileprivate mutating func releaseRemoved() {
        for answer in entries.takeRemoved() {
            if case .found(let compact) = answer { compact.release(from: &sharedStrings) }
        }
    }
}
