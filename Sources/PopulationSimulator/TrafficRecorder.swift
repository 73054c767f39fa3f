import DequeModule
import DurationUnits

/// Counts what arrives at the simulator, for `/_sim/stats`.
struct TrafficRecorder {
    private var totals = Tally()
    private var clients: [String: Tally] = [:]
    private var inFlight = 0
    private var maxConcurrency = 0

    mutating func arrived(client: String, at now: ContinuousClock.Instant) {
        totals.arrivals.record(at: now)
        clients[client, default: Tally()].arrivals.record(at: now)
        inFlight += 1
        maxConcurrency = max(maxConcurrency, inFlight)
    }

    mutating func answered(client: String, operation: String, status: Int) {
        totals.answered(operation: operation, status: status)
        clients[client, default: Tally()].answered(operation: operation, status: status)
        inFlight -= 1
    }

    /// Forgets everything but the requests still in flight.
    mutating func reset() {
        totals = Tally()
        clients = [:]
        maxConcurrency = inFlight
    }

    func snapshot(at now: ContinuousClock.Instant) -> SimulatorStats {
        SimulatorStats(
            totalRequests: totals.arrivals.total,
            byOperation: totals.byOperation,
            byStatus: totals.byStatus,
            currentRps: totals.arrivals.count(at: now),
            maxRps1s: totals.arrivals.maximum,
            meanRps: totals.arrivals.meanRate,
            maxConcurrency: maxConcurrency,
            inFlight: inFlight,
            clients: clients.mapValues { tally in
                SimulatorStats.Client(
                    totalRequests: tally.arrivals.total,
                    byOperation: tally.byOperation,
                    byStatus: tally.byStatus,
                    currentRps: tally.arrivals.count(at: now),
                    maxRps1s: tally.arrivals.maximum,
                    meanRps: tally.arrivals.meanRate
                )
            }
        )
    }

    private struct Tally {
        var byOperation: [String: Int] = [:]
        var byStatus: [String: Int] = [:]
        var arrivals = WindowCounter()

        mutating func answered(operation: String, status: Int) {
            byOperation[operation, default: 0] += 1
            byStatus[String(status), default: 0] += 1
        }
    }
}

/// Arrivals in all, in the last second, the most ever seen in one second, and their mean rate. The
/// count is taken at each arrival over (t - 1s, t]; a window's count only grows at arrivals, so the
/// maximum over those windows is the maximum over every window.
struct WindowCounter {
    private var recent: Deque<ContinuousClock.Instant> = []
    private(set) var maximum = 0
    private(set) var total = 0
    private var first: ContinuousClock.Instant?

    mutating func record(at now: ContinuousClock.Instant) {
        while let oldest = recent.first, oldest <= now - ClientQuota.window { recent.removeFirst() }
        recent.append(now)
        maximum = max(maximum, recent.count)
        total += 1
        if first == nil { first = now }
    }

    /// The intervals between arrivals per second of their sum: n arrivals span n - 1 intervals.
    var meanRate: Double {
        guard let first, let last = recent.last, total > 1, last > first else { return 0 }
        return Double(total - 1) / (last - first).inSeconds
    }

    func count(at now: ContinuousClock.Instant) -> Int {
        recent.reversed().prefix { $0 > now - ClientQuota.window }.count
    }
}
