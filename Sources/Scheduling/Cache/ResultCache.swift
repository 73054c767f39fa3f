import Crypto
import DanCuContract
import Synchronization

/// Remembers population-database answers in memory (never on disk): found records for
/// `foundTTL`, not-found answers for `notFoundTTL`, least recently used evicted first within
/// `maxEntries` and `maxBytes`. Identical queries in flight at once share one upstream call.
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

    /// A load under way: for a record, or for a yes or no (which cannot stand in for a record).
    fileprivate struct Pending: Hashable {
        let key: CacheKey
        let needsRecord: Bool
    }

    fileprivate struct State {
        var entries: ExpiringLRU<CacheKey, Answer>
        var sharedStrings = InternTable(capacity: ResultCache.sharedStringCapacity)
        /// Callers waiting for a load another caller has under way.
        var loading: [Pending: [CheckedContinuation<Step, any Error>]] = [:]
        var hits = 0
        var misses = 0
        var coalesced = 0
    }

    fileprivate enum Step {
        /// The cache held the answer.
        case cached(Fresh)
        /// Another caller's load answered.
        case joined(Fresh)
        /// This caller loads for everyone.
        case load
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

    /// The answer for `key`: from the cache, from an identical load already under way, or from
    /// `load` (whose answer is then cached; errors are not). `fromCache` is true only for answers
    /// the cache held; callers that joined another's load get its fresh answer, or its error
    /// (including a `CancellationError` if the loading task was cancelled: retry then). Request
    /// types the configuration leaves out always call `load` and store nothing.
    /// A record is `nil` when the database has no such citizen.
    public func value(
        for key: CacheKey,
        type: RequestType,
        load: @Sendable () async throws -> CitizenRecord?
    ) async throws -> (CitizenRecord?, fromCache: Bool) {
        let (answer, fromCache) = try await answer(for: Pending(key: key, needsRecord: true), type: type) {
            try await load().map(Fresh.found) ?? .notFound
        }
        return (answer.record, fromCache)
    }

    /// What the cache holds for `key`, without waiting: `.some(nil)` is a cached not-found; `nil` when it
    /// holds nothing or caching is off for `type` (then `value(for:type:load:)` loads or joins a load).
    public func cachedValue(for key: CacheKey, type: RequestType) -> CitizenRecord?? {
        cachedAnswer(for: Pending(key: key, needsRecord: true), type: type).map(\.record)
    }

    /// Whether the claimed identity exists, as `value(for:type:load:)` answers a record: a cached record or
    /// not-found answers it as well as a cached yes; `load` asks the database yes or no, and only that
    /// answer is cached.
    public func match(
        for key: CacheKey,
        type: RequestType,
        load: @Sendable () async throws -> Bool
    ) async throws -> (Bool, fromCache: Bool) {
        let (answer, fromCache) = try await answer(for: Pending(key: key, needsRecord: false), type: type) {
            try await load() ? .matched : .notFound
        }
        return (answer.isMatch, fromCache)
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
    private func answer(
        for pending: Pending,
        type: RequestType,
        load: @Sendable () async throws -> Fresh
    ) async throws -> (Fresh, fromCache: Bool) {
        guard enabledTypes.contains(type) else { return (try await load(), false) }
        // Hits, the common case, answer without suspending.
        if let cached = cachedAnswer(for: pending, type: type) { return (cached, true) }
        let step = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Step, any Error>) in
            state.withLock { state in
                // A load may have finished since the look above.
                if let cached = state.cachedAnswer(for: pending, now: clock.now) {
                    continuation.resume(returning: .cached(cached))
                    return
                }
                state.misses += 1
                if state.loading[pending] != nil {
                    state.coalesced += 1
                    state.loading[pending]?.append(continuation)
                } else {
                    state.loading[pending] = []
                    continuation.resume(returning: .load)
                }
            }
        }
        switch step {
        case .cached(let answer):
            return (answer, true)
        case .joined(let answer):
            return (answer, false)
        case .load:
            return (try await loadAndShare(pending, load: load), false)
        }
    }

    private func loadAndShare(_ pending: Pending, load: @Sendable () async throws -> Fresh) async throws -> Fresh {
        let result: Result<Fresh, any Error>
        do {
            result = .success(try await load())
        } catch {
            result = .failure(error)
        }
        let waiting = state.withLock { state in
            if case .success(let fresh) = result {
                let answer: Answer
                var recordBytes = 0
                switch fresh {
                case .found(let record):
                    let compact = CompactRecord(record, table: &state.sharedStrings)
                    answer = .found(compact)
                    recordBytes = compact.bytes.count
                case .matched:
                    answer = .matched
                case .notFound:
                    answer = .notFound
                }
                let ttl = fresh.isMatch ? configuration.foundTTL : configuration.notFoundTTL
                state.entries.insert(
                    answer,
                    for: pending.key,
                    bytes: Self.entryOverheadBytes + recordBytes,
                    expires: clock.now.advanced(by: ttl.duration)
                )
            }
            state.releaseRemoved()
            return state.loading.removeValue(forKey: pending) ?? []
        }
        for continuation in waiting { continuation.resume(with: result.map(Step.joined)) }
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
