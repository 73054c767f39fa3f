import DanCuContract
import DequeModule
import DurationUnits
import Foundation

@testable import Scheduling

/// A deterministic discrete-event simulation around `SchedulerCore`: synthetic arrivals, a fake
/// upstream with a controllable latency and quota, and virtual time that jumps from event to event.
struct SchedulerSimulation {
    struct Arrival {
        var at: Duration
        var portal: String
        var channel: Channel
        var deadlineAfter: Duration = .seconds(3600)
    }

    struct Request {
        let arrival: Arrival
        var grantedAt: Duration?
        var departedAt: Duration?
        var expiredAt: Duration?
        var answeredAt: Duration?
        var rateLimited = false
    }

    /// The population database as the scheduler sees it: answers after `latency`, and answers 429
    /// when `limit(now)` calls were already accepted in the last second.
    struct Upstream {
        var latency: Duration
        var retryAfter: Duration?
        var limit: (Duration) -> Int?
        private(set) var accepted: [Duration] = []
        private(set) var rejected = 0
        private var window = Deque<Duration>()

        init(
            latency: Duration = .milliseconds(100),
            retryAfter: Duration? = nil,
            limit: @escaping (Duration) -> Int? = { _ in nil }
        ) {
            self.latency = latency
            self.retryAfter = retryAfter
            self.limit = limit
        }

        mutating func call(at now: Duration) -> UpstreamCallResult {
            while let oldest = window.first, oldest <= now - .seconds(1) { window.removeFirst() }
            if let limit = limit(now), window.count >= limit {
                rejected += 1
                return .rateLimited(retryAfter: retryAfter)
            }
            window.append(now)
            accepted.append(now)
            return .success(latency: latency)
        }
    }

    typealias Event = (at: Duration, apply: (inout SchedulerCore<Int>, SchedulingInstant) -> Void)

    private(set) var core: SchedulerCore<Int>
    private(set) var upstream: Upstream
    private(set) var requests: [Request] = []
    private(set) var now = Duration.zero
    private(set) var backpressure: [(portal: String, paused: Bool)] = []
    private var arrivals: [Arrival]
    private var nextArrival = 0
    private var completions = Deque<(at: Duration, number: UInt64, grantedAt: Duration, result: UpstreamCallResult)>()
    /// Granted calls that have not left yet, latest first.
    private var departures: [(at: Duration, ticket: Int, number: UInt64)] = []
    /// How long request `ticket`'s call takes to leave after its grant (a busy thread, say).
    private let departureDelay: (_ ticket: Int) -> Duration

    init(
        configuration: SchedulerConfiguration = SchedulerConfiguration(),
        quota: QuotaSettings,
        portals: [PortalConfiguration],
        arrivals: [Arrival],
        upstream: Upstream = Upstream(),
        departureDelay: @escaping (_ ticket: Int) -> Duration = { _ in .zero }
    ) {
        core = SchedulerCore(
            configuration: configuration,
            quota: quota,
            portals: portals,
            now: .init(sinceStart: .zero)
        )
        self.arrivals = arrivals.sorted { $0.at < $1.at }
        self.upstream = upstream
        self.departureDelay = departureDelay
    }

    /// Runs every event before `end`; `events` are applied to the core when their time comes.
    mutating func run(until end: Duration, events: [Event] = []) {
        var pendingEvents = events.sorted { $0.at < $1.at }[...]
        while true {
            var next = end
            if nextArrival < arrivals.count { next = min(next, arrivals[nextArrival].at) }
            if let completion = completions.first { next = min(next, completion.at) }
            if let departure = departures.last { next = min(next, departure.at) }
            if let wake = core.nextWake(now: .init(sinceStart: now)) { next = min(next, wake.sinceStart) }
            if let event = pendingEvents.first { next = min(next, event.at) }
            guard next < end else { break }
            now = max(now, next)
            let instant = SchedulingInstant(sinceStart: now)
            var effects = SchedulerCore<Int>.Effects()
            while let event = pendingEvents.first, event.at <= now {
                event.apply(&core, instant)
                pendingEvents.removeFirst()
            }
            while let completion = completions.first, completion.at <= now {
                completions.removeFirst()
                core.complete(
                    completion.result,
                    number: completion.number,
                    grantedAt: .init(sinceStart: completion.grantedAt),
                    now: instant,
                    effects: &effects
                )
            }
            while let departure = departures.last, departure.at <= now {
                departures.removeLast()
                core.callStarts(number: departure.number, now: instant)
                call(ticket: departure.ticket, number: departure.number)
            }
            while nextArrival < arrivals.count, arrivals[nextArrival].at <= now {
                let arrival = arrivals[nextArrival]
                requests.append(Request(arrival: arrival))
                core.arrive(
                    id: UInt64(requests.count - 1),
                    portal: arrival.portal,
                    channel: arrival.channel,
                    deadline: .init(sinceStart: arrival.at + arrival.deadlineAfter),
                    ticket: requests.count - 1,
                    now: instant,
                    effects: &effects
                )
                nextArrival += 1
            }
            core.dispatch(now: instant, effects: &effects)
            apply(effects)
        }
        now = end
    }

    private mutating func apply(_ effects: SchedulerCore<Int>.Effects) {
        for (ticket, resolution) in effects.resolved {
            switch resolution {
            case .granted(let at, let number):
                requests[ticket].grantedAt = at.sinceStart
                let delay = departureDelay(ticket)
                if delay == .zero {
                    call(ticket: ticket, number: number)
                } else {
                    let departure = (at: now + delay, ticket: ticket, number: number)
                    let index = departures.firstIndex { $0.at <= departure.at } ?? departures.endIndex
                    departures.insert(departure, at: index)
                }
            case .expired:
                requests[ticket].expiredAt = now
            case .cancelled, .withdrawn:
                break
            }
        }
        backpressure += effects.backpressure
    }

    private mutating func call(ticket: Int, number: UInt64) {
        requests[ticket].departedAt = now
        let result = upstream.call(at: now)
        if case .rateLimited = result { requests[ticket].rateLimited = true }
        let answeredAt = now + upstream.latency
        requests[ticket].answeredAt = answeredAt
        completions.append((answeredAt, number, requests[ticket].grantedAt ?? now, result))
    }

    // MARK: Measurements

    var grantTimes: [Duration] { requests.compactMap(\.grantedAt).sorted() }
    var departureTimes: [Duration] { requests.compactMap(\.departedAt).sorted() }

    func granted(
        portal: String? = nil,
        channel: Channel? = nil,
        from start: Duration = .zero,
        to end: Duration = .seconds(1 << 40)
    ) -> Int {
        requests.filter { request in
            guard let grantedAt = request.grantedAt, grantedAt >= start, grantedAt < end else { return false }
            return matches(request, portal: portal, channel: channel)
        }.count
    }

    /// Mean seconds from arrival to answer of the answered requests that match.
    func meanLatency(portal: String? = nil, channel: Channel? = nil, arrivedFrom start: Duration = .zero) -> Double {
        let latencies = requests.compactMap { request -> Double? in
            guard request.arrival.at >= start, let answeredAt = request.answeredAt,
                matches(request, portal: portal, channel: channel)
            else { return nil }
            return (answeredAt - request.arrival.at).inSeconds
        }
        return latencies.isEmpty ? .nan : latencies.reduce(0, +) / Double(latencies.count)
    }

    private func matches(_ request: Request, portal: String?, channel: Channel?) -> Bool {
        (portal == nil || request.arrival.portal == portal) && (channel == nil || request.arrival.channel == channel)
    }
}

/// The largest number of `times` (sorted) inside any one-second window.
func maximumPerSecond(_ times: [Duration]) -> Int {
    var start = 0
    var maximum = 0
    for end in times.indices {
        while times[start] <= times[end] - .seconds(1) { start += 1 }
        maximum = max(maximum, end - start + 1)
    }
    return maximum
}

/// Reproducible Poisson arrivals (SplitMix64 draws).
struct ArrivalGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    private mutating func nextUnit() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        mixed ^= mixed >> 31
        return (Double(mixed >> 11) + 0.5) / Double(UInt64(1) << 53)
    }

    /// A whole number from 0 up to, not including, `bound`.
    mutating func uniform(below bound: Int64) -> Int64 {
        min(bound - 1, Int64(nextUnit() * Double(bound)))
    }

    mutating func poisson(
        portal: String,
        channel: Channel,
        perSecond rate: Double,
        from start: Duration = .zero,
        until end: Duration,
        deadlineAfter: Duration = .seconds(3600)
    ) -> [SchedulerSimulation.Arrival] {
        var arrivals: [SchedulerSimulation.Arrival] = []
        var time = start.inSeconds
        while true {
            time += -log(nextUnit()) / rate
            guard time < end.inSeconds else { return arrivals }
            arrivals.append(
                .init(
                    at: .nanoseconds(Int64(time * 1e9)),
                    portal: portal,
                    channel: channel,
                    deadlineAfter: deadlineAfter
                )
            )
        }
    }
}

func portal(_ id: String, weight: Int = 1) -> PortalConfiguration {
    PortalConfiguration(id: id, displayName: id, weight: weight, requestTypes: [.verify, .lookup, .link])
}

/// `count` requests of one portal and channel, all arriving at `at`.
func burst(
    _ count: Int,
    portal: String,
    channel: Channel,
    at: Duration = .zero,
    deadlineAfter: Duration = .seconds(86_400)
)
    -> [SchedulerSimulation.Arrival]
{
    Array(repeating: .init(at: at, portal: portal, channel: channel, deadlineAfter: deadlineAfter), count: count)
}
