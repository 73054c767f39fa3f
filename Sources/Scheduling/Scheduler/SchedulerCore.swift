import DanCuContract
import DequeModule
import DurationUnits

/// How a waiting request leaves the scheduler's queues.
enum WaitResolution: Sendable {
    /// `number` names the call in the quota window, for `callStarts(number:now:)`.
    case granted(at: SchedulingInstant, number: UInt64)
    case expired
    case cancelled
    /// The request's source was withdrawn (its partition is leaving this instance): no call, no answer.
    case withdrawn
}

/// The scheduler's decisions without I/O or clocks: who gets the next upstream call and when.
/// `UpstreamScheduler` wraps it with a lock, a timer and continuations; tests drive it directly
/// in simulated time. `Ticket` is whatever the caller resumes when a request is resolved.
///
/// - Global limits: a token bucket at the adaptive rate (depth: the burst), a sliding window of one
///   second plus a margin that never admits more than the quota share, and a cap on calls in flight.
///   The window counts a call from when it starts (`callStarts`), or from its grant until then.
/// - Shares across instances: a smaller share applies at once, a larger one only after a full window,
///   so that an instance taking over partitions cannot add its calls to those its predecessor made in
///   the same second.
/// - Channels: strict priority counter > online > batch, except that a lower channel with work
///   waiting earns `minimumShare` of a call per grant and is served once it has earned a whole one.
/// - Portals inside a channel: start-time fair queueing by weight (each portal's tag advances by
///   1/weight per call; the smallest tag goes next), which is work-conserving.
struct SchedulerCore<Ticket> {
    struct Effects {
        var resolved: [(ticket: Ticket, resolution: WaitResolution)] = []
        var backpressure: [(portal: String, paused: Bool)] = []
        var rateCut: (from: Double, to: Double)?
    }

    private struct Waiter {
        let portal: Int
        let channel: Int
        let deadline: SchedulingInstant
        let source: String?
        let ticket: Ticket
    }

    private struct PortalState {
        let id: String
        let weight: Double
        /// Ids waiting, per channel; ids that left by expiry or cancellation are skipped lazily.
        var queues: [Deque<UInt64>] = Array(repeating: [], count: channelCount)
        var waitingByChannel: [Int] = Array(repeating: 0, count: channelCount)
        /// Fair-queueing tag per channel: the start tag of the next call while waiting.
        var tags: [Double] = Array(repeating: 0, count: channelCount)
        var waiting = 0
        var backpressured = false
    }

    private static var channelCount: Int { Channel.allCases.count }
    /// Tolerance for floating-point token arithmetic, so that a timer set for "one token" finds one.
    private static var tokenEpsilon: Double { 1e-9 }

    private let quota: QuotaSettings
    private let adaptive: AdaptiveRate
    private let minimumShares: [Double]
    private let queueCapacity: Int
    private let window: Duration

    private var portals: [PortalState] = []
    private var portalIndex: [String: Int] = [:]
    private var waiters: [UInt64: Waiter] = [:]
    private var deadlines = DeadlineHeap()
    private var waitingByChannel: [Int] = Array(repeating: 0, count: channelCount)
    private var virtualTime: [Double] = Array(repeating: 0, count: channelCount)
    private var credit: [Double] = Array(repeating: 0, count: channelCount)

    private var share = 1.0
    private var pendingShare: (fraction: Double, from: SchedulingInstant)?
    private var ceilingRate: Double
    private var rate: Double
    private var tokens: Double
    private var bucketDepth: Double
    private var windowLimit: Int
    /// When each call of the window started, or was granted while it has not, in order of time.
    private var recentCalls = Deque<SchedulingInstant>()
    /// Granted calls not yet started nor completed, by number, with their grant times.
    private var unstartedCalls: [UInt64: SchedulingInstant] = [:]
    private var nextCallNumber: UInt64 = 0
    private var maxInFlight: Int
    private var inFlight = 0
    private var lastRefill: SchedulingInstant
    private var lastCut: SchedulingInstant?
    private var pausedUntil: SchedulingInstant?
    private var withdrawnSources: Set<String> = []

    init(
        configuration: SchedulerConfiguration,
        quota: QuotaSettings,
        portals configuredPortals: [PortalConfiguration],
        now: SchedulingInstant
    ) {
        self.quota = quota
        adaptive = configuration.adaptive
        minimumShares = Channel.allCases.map { configuration.minimumShares.share(of: $0) }
        queueCapacity = max(1, configuration.queueCapacityPerPortal)
        window = .seconds(1) + configuration.windowMargin.duration
        ceilingRate = max(quota.requestsPerSecond, 0)
        rate = ceilingRate
        bucketDepth = max(1, Double(quota.burst))
        tokens = bucketDepth
        windowLimit = Self.windowLimit(quota.requestsPerSecond, share: 1)
        maxInFlight = max(1, quota.maxInFlight)
        lastRefill = now
        for portal in configuredPortals {
            _ = index(ofPortal: portal.id, weight: portal.weight)
        }
    }

    // MARK: Requests

    /// A request arrives: it is granted at once if it can be, expired if its deadline has passed,
    /// withdrawn if its source is, or queued. A portal missing from the configuration joins with weight 1.
    mutating func arrive(
        id: UInt64,
        portal portalId: String,
        channel: Channel,
        deadline: SchedulingInstant,
        source: String? = nil,
        ticket: Ticket,
        now: SchedulingInstant,
        effects: inout Effects
    ) {
        if let source, withdrawnSources.contains(source) {
            effects.resolved.append((ticket, .withdrawn))
            return
        }
        guard deadline > now else {
            effects.resolved.append((ticket, .expired))
            return
        }
        let portal = index(ofPortal: portalId, weight: 1)
        let channel = channel.priorityIndex
        if portals[portal].waitingByChannel[channel] == 0 {
            // A portal that was idle starts at the channel's current virtual time: no credit saved up.
            portals[portal].tags[channel] = max(portals[portal].tags[channel], virtualTime[channel])
        }
        waiters[id] = Waiter(portal: portal, channel: channel, deadline: deadline, source: source, ticket: ticket)
        portals[portal].queues[channel].append(id)
        portals[portal].waitingByChannel[channel] += 1
        portals[portal].waiting += 1
        waitingByChannel[channel] += 1
        deadlines.insert(.init(deadline: deadline, id: id))
        if portals[portal].waiting >= queueCapacity, !portals[portal].backpressured {
            portals[portal].backpressured = true
            effects.backpressure.append((portals[portal].id, true))
        }
        dispatch(now: now, effects: &effects)
    }

    /// The waiting request `id` is withdrawn (its task was cancelled); nothing happens if it has
    /// already been resolved.
    mutating func cancel(id: UInt64, effects: inout Effects) {
        guard let waiter = remove(id, effects: &effects) else { return }
        effects.resolved.append((waiter.ticket, .cancelled))
    }

    /// Requests from `sources` (partitions leaving this instance) stop waiting and make no call: their
    /// next owner answers them. Later arrivals from them are withdrawn at once, until `readmit`.
    mutating func withdraw(sources: Set<String>, effects: inout Effects) {
        withdrawnSources.formUnion(sources)
        let leaving = waiters.filter { $0.value.source.map(sources.contains) ?? false }.keys
        for id in leaving {
            if let waiter = remove(id, effects: &effects) { effects.resolved.append((waiter.ticket, .withdrawn)) }
        }
    }

    /// `sources` are this instance's again (assigned back to it).
    mutating func readmit(sources: Set<String>) {
        withdrawnSources.subtract(sources)
    }

    /// A granted call has finished (`result` nil: its permit was dropped without a result).
    mutating func complete(
        _ result: UpstreamCallResult?,
        number: UInt64,
        grantedAt: SchedulingInstant,
        now: SchedulingInstant,
        effects: inout Effects
    ) {
        // A call that never said it started stays counted from its grant.
        unstartedCalls.removeValue(forKey: number)
        inFlight = max(0, inFlight - 1)
        refill(now: now)
        switch result {
        case .success(let latency), .failure(let latency):
            if latency > adaptive.latencyThreshold.duration {
                cut(grantedAt: grantedAt, now: now, effects: &effects)
            }
        case .rateLimited(let retryAfter):
            cut(grantedAt: grantedAt, now: now, effects: &effects)
            if let retryAfter, retryAfter > .zero {
                pause(until: now.advanced(by: retryAfter))
            }
        case nil:
            break
        }
        dispatch(now: now, effects: &effects)
    }

    /// Granted call `number` was not made (the circuit breaker refused it): its token and its place in the
    /// window are given back and the adaptive rate learns nothing, since there was no answer to learn from.
    /// A call that already started is only completed without a result.
    mutating func returnUnused(number: UInt64, now: SchedulingInstant, effects: inout Effects) {
        inFlight = max(0, inFlight - 1)
        if let grantedAt = unstartedCalls.removeValue(forKey: number) {
            if let index = recentCalls.lastIndex(of: grantedAt) { recentCalls.remove(at: index) }
            refill(now: now)
            tokens = min(bucketDepth, tokens + 1)
        }
        dispatch(now: now, effects: &effects)
    }

    /// Call `number` starts now. Counted from its grant, a call that then waited for a busy thread
    /// would reach the database late, bunched with calls granted after it, by more than the margin
    /// covers.
    mutating func callStarts(number: UInt64, now: SchedulingInstant) {
        guard let grantedAt = unstartedCalls.removeValue(forKey: number) else { return }
        // Its grant entry has left the window if it waited longer than the window; it counts from now anyway.
        if let index = recentCalls.lastIndex(of: grantedAt) { recentCalls.remove(at: index) }
        // Every entry was stamped at an earlier `now`, so the window stays in order of time.
        recentCalls.append(now)
    }

    /// No call starts before `instant` (Retry-After, breaker open); an earlier pause is extended.
    mutating func pause(until instant: SchedulingInstant) {
        pausedUntil = max(pausedUntil ?? instant, instant)
    }

    /// This instance's share of the quota (0...1]: rate, burst, window and in-flight cap scale with it.
    /// A smaller share applies at once; a larger one after a full window in which this instance stayed
    /// at or below its present share, because whoever held those partitions may have used them until now.
    mutating func setShare(_ fraction: Double, now: SchedulingInstant, effects: inout Effects) {
        if fraction > share {
            pendingShare = (fraction, now.advanced(by: window))
        } else {
            pendingShare = nil
            applyShare(fraction, now: now)
        }
        dispatch(now: now, effects: &effects)
    }

    private mutating func applyPendingShare(now: SchedulingInstant) {
        guard let pendingShare, now >= pendingShare.from else { return }
        self.pendingShare = nil
        applyShare(pendingShare.fraction, now: now)
    }

    private mutating func applyShare(_ fraction: Double, now: SchedulingInstant) {
        refill(now: now)
        // The adaptive rate keeps its place relative to the ceiling (1 when the old ceiling was zero).
        let relativeRate = ceilingRate > 0 ? rate / ceilingRate : 1
        share = fraction
        ceilingRate = quota.requestsPerSecond * fraction
        rate = min(ceilingRate, max(relativeRate * ceilingRate, min(adaptive.minimumRate, ceilingRate)))
        bucketDepth = max(1, Double(quota.burst) * fraction)
        tokens = min(tokens, bucketDepth)
        windowLimit = Self.windowLimit(quota.requestsPerSecond, share: fraction)
        maxInFlight = max(1, Int((Double(quota.maxInFlight) * fraction).rounded(.down)))
    }

    // MARK: Granting

    /// Expires overdue requests and grants calls while the limits allow.
    mutating func dispatch(now: SchedulingInstant, effects: inout Effects) {
        applyPendingShare(now: now)
        expire(now: now, effects: &effects)
        guard !waiters.isEmpty else { return }
        refill(now: now)
        while !waiters.isEmpty, canGrant(now: now) {
            let channel = nextChannel()
            guard let portal = nextPortal(in: channel), let id = popLive(portal: portal, channel: channel),
                let waiter = remove(id, effects: &effects)
            else { return }
            virtualTime[channel] = portals[portal].tags[channel]
            portals[portal].tags[channel] += 1 / portals[portal].weight
            tokens -= 1
            let number = nextCallNumber
            nextCallNumber += 1
            recentCalls.append(now)
            unstartedCalls[number] = now
            inFlight += 1
            effects.resolved.append((waiter.ticket, .granted(at: now, number: number)))
        }
    }

    /// When `dispatch` should run next without any new event: the earliest deadline, or when the
    /// limits next allow a call (a completion frees the in-flight cap, so that one needs no timer).
    /// A larger share waiting for its window wakes the scheduler even when nobody waits, so that an idle
    /// instance shows (and is ready to use) its full share one window after its assignment.
    mutating func nextWake(now: SchedulingInstant) -> SchedulingInstant? {
        guard !waiters.isEmpty else { return pendingShare.map { max(now, $0.from) } }
        while let first = deadlines.first, waiters[first.id] == nil { deadlines.removeFirst() }
        var wake = deadlines.first?.deadline
        if inFlight < maxInFlight {
            var ready = now
            if let pausedUntil { ready = max(ready, pausedUntil) }
            if tokens < 1 - Self.tokenEpsilon, refillRate > 0 {
                // Rounded up to the microsecond so that the timer never fires a hair early.
                let micros = ((1 - tokens) / refillRate * 1e6).rounded(.up)
                ready = max(ready, max(now, lastRefill).advanced(by: .microseconds(Int64(micros))))
            }
            trimWindow(now: now)
            if recentCalls.count >= windowLimit, let oldest = recentCalls.first {
                ready = max(ready, oldest.advanced(by: window))
            }
            if let pendingShare { ready = min(ready, max(now, pendingShare.from)) }
            wake = min(wake ?? ready, ready)
        }
        return wake
    }

    /// The state at `now`, with the rate's additive recovery since the last event included.
    func snapshot(now: SchedulingInstant) -> SchedulerSnapshot {
        let elapsed = max(0, lastRefill.duration(to: now).inSeconds)
        return SchedulerSnapshot(
            queues: portals.map { portal in
                var byChannel: [Channel: Int] = [:]
                for (index, channel) in Channel.allCases.enumerated() {
                    byChannel[channel] = portal.waitingByChannel[index]
                }
                return .init(portal: portal.id, waitingByChannel: byChannel, backpressured: portal.backpressured)
            },
            effectiveRate: min(ceilingRate, rate + increasePerSecond * elapsed),
            quotaRate: ceilingRate,
            nationalQuota: quota.requestsPerSecond,
            share: share,
            inFlight: inFlight,
            maxInFlight: maxInFlight,
            pausedUntil: pausedUntil
        )
    }

    // MARK: Internals

    private mutating func canGrant(now: SchedulingInstant) -> Bool {
        if let pausedUntil {
            guard now >= pausedUntil else { return false }
            self.pausedUntil = nil
        }
        guard inFlight < maxInFlight, tokens >= 1 - Self.tokenEpsilon else { return false }
        trimWindow(now: now)
        guard recentCalls.count < windowLimit else {
            // Tokens gathered while the window is full would all be spent the moment it reopens,
            // and the burst would close the window early again, leaving later arrivals (a citizen
            // at a counter) to wait out the gap every second. So none are kept and none accrue
            // until it reopens: the calls after it are paced by the bucket again.
            tokens = min(tokens, 0)
            if let oldest = recentCalls.first { lastRefill = max(lastRefill, oldest.advanced(by: window)) }
            return false
        }
        return true
    }

    private var increasePerSecond: Double {
        adaptive.increasePerSecond ?? ceilingRate * AdaptiveRate.defaultIncreaseShare
    }

    /// Tokens accrue at the adaptive rate, but never faster than the window admits calls. Were the
    /// window to set the pace under saturation, it would replay every burst one window later, for as
    /// long as the saturation lasts, and a burst reaches the database spread out by queueing on the
    /// way, which is what the margin has to cover; paced by the bucket, calls leave one at a time.
    private var refillRate: Double {
        min(rate, Double(windowLimit) / window.inSeconds)
    }

    private mutating func trimWindow(now: SchedulingInstant) {
        let windowStart = now.advanced(by: .zero - window)
        while let oldest = recentCalls.first, oldest <= windowStart { recentCalls.removeFirst() }
    }

    private mutating func refill(now: SchedulingInstant) {
        let elapsed = lastRefill.duration(to: now).inSeconds
        guard elapsed > 0 else { return }
        tokens = min(bucketDepth, tokens + refillRate * elapsed)
        rate = min(ceilingRate, rate + increasePerSecond * elapsed)
        lastRefill = now
    }

    /// Multiplicative decrease, once per round: answers to calls granted before the last cut were
    /// already accounted for by it.
    private mutating func cut(grantedAt: SchedulingInstant, now: SchedulingInstant, effects: inout Effects) {
        if let lastCut, grantedAt < lastCut { return }
        let previous = rate
        rate = max(min(adaptive.minimumRate, ceilingRate), rate * adaptive.decreaseFactor)
        tokens = min(tokens, 0)
        lastCut = now
        effects.rateCut = (previous, rate)
    }

    private mutating func expire(now: SchedulingInstant, effects: inout Effects) {
        while let first = deadlines.first, first.deadline <= now {
            deadlines.removeFirst()
            if let waiter = remove(first.id, effects: &effects) {
                effects.resolved.append((waiter.ticket, .expired))
            }
        }
        if deadlines.count > 2 * waiters.count + 1024 {
            let live = waiters
            deadlines.retain { live[$0] != nil }
        }
    }

    /// The highest-priority channel with work, unless a lower one has earned a call.
    private mutating func nextChannel() -> Int {
        var top: Int?
        var owed: Int?
        for channel in 0..<Self.channelCount {
            guard waitingByChannel[channel] > 0 else {
                credit[channel] = 0
                continue
            }
            guard top != nil else {
                top = channel
                continue
            }
            credit[channel] += minimumShares[channel]
            let mostOwed = owed.map { credit[$0] } ?? 0
            if credit[channel] >= 1, credit[channel] > mostOwed {
                owed = channel
            }
        }
        let chosen = owed ?? top ?? 0
        credit[chosen] = max(0, credit[chosen] - 1)
        return chosen
    }

    /// The waiting portal of `channel` with the smallest fair-queueing tag (ties: configuration order).
    private func nextPortal(in channel: Int) -> Int? {
        var best: Int?
        for portal in portals.indices where portals[portal].waitingByChannel[channel] > 0 {
            if let current = best, portals[current].tags[channel] <= portals[portal].tags[channel] { continue }
            best = portal
        }
        return best
    }

    private mutating func popLive(portal: Int, channel: Int) -> UInt64? {
        while let id = portals[portal].queues[channel].popFirst() {
            if waiters[id] != nil { return id }
        }
        return nil
    }

    private mutating func remove(_ id: UInt64, effects: inout Effects) -> Waiter? {
        guard let waiter = waiters.removeValue(forKey: id) else { return nil }
        let portal = waiter.portal
        portals[portal].waitingByChannel[waiter.channel] -= 1
        portals[portal].waiting -= 1
        waitingByChannel[waiter.channel] -= 1
        if portals[portal].waitingByChannel[waiter.channel] == 0 {
            // Only withdrawn ids can be left; drop them so the queue's memory is released.
            portals[portal].queues[waiter.channel].removeAll()
        }
        if portals[portal].backpressured, portals[portal].waiting <= queueCapacity / 2 {
            portals[portal].backpressured = false
            effects.backpressure.append((portals[portal].id, false))
        }
        return waiter
    }

    private mutating func index(ofPortal id: String, weight: Int) -> Int {
        if let index = portalIndex[id] { return index }
        portals.append(PortalState(id: id, weight: Double(max(1, weight))))
        portalIndex[id] = portals.count - 1
        return portals.count - 1
    }

    /// Calls allowed in any one second: the share of the quota rounded down, so that instances'
    /// shares never add up to more than the quota; at least one.
    private static func windowLimit(_ requestsPerSecond: Double, share: Double) -> Int {
        max(1, Int((requestsPerSecond * share).rounded(.down)))
    }
}

extension Channel {
    /// 0 for the most urgent channel (counter), then online, then batch.
    var priorityIndex: Int {
        switch self {
        case .counter: 0
        case .online: 1
        case .batch: 2
        }
    }
}
