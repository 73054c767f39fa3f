/// The simulator's misbehaviour, read and changed at runtime through `GET/POST /_sim/faults`.
/// A POST may carry any subset of the fields; the others keep their values.
public struct SimulatorFaults: Sendable, Hashable, Codable {
    /// Share (0...1) of requests answered HTTP 500 with a SOAP `Server` fault.
    public var errorRate: Double
    /// Share (0...1) of requests never answered until the client gives up.
    public var timeoutRate: Double
    /// Median added latency in milliseconds.
    public var latencyMs: Double
    /// 99th percentile of the added latency in milliseconds (log-normal tail).
    public var latencyP99Ms: Double
    /// While on, every request is answered 503 with a `Server` fault.
    public var outage: Bool
    /// Accepted requests per client in any one-second window; `0` means unlimited.
    public var quota: Int
    /// Back-to-back requests a client may send, refilled at `quota` per second.
    public var burst: Int

    public init(
        errorRate: Double = 0,
        timeoutRate: Double = 0,
        latencyMs: Double = 0,
        latencyP99Ms: Double = 0,
        outage: Bool = false,
        quota: Int = 0,
        burst: Int = 0
    ) {
        self.errorRate = errorRate
        self.timeoutRate = timeoutRate
        self.latencyMs = latencyMs
        self.latencyP99Ms = latencyP99Ms
        self.outage = outage
        self.quota = quota
        self.burst = burst
    }

    /// A change to some of the faults, as POSTed.
    struct Change: Decodable {
        var errorRate: Double?
        var timeoutRate: Double?
        var latencyMs: Double?
        var latencyP99Ms: Double?
        var outage: Bool?
        var quota: Int?
        var burst: Int?

        /// The faults after this change (not yet checked: see `problem`).
        func applied(to faults: SimulatorFaults) -> SimulatorFaults {
            var changed = faults
            changed.errorRate = errorRate ?? faults.errorRate
            changed.timeoutRate = timeoutRate ?? faults.timeoutRate
            changed.latencyMs = latencyMs ?? faults.latencyMs
            changed.latencyP99Ms = latencyP99Ms ?? faults.latencyP99Ms
            changed.outage = outage ?? faults.outage
            changed.quota = quota ?? faults.quota
            // A new quota without a burst keeps the burst equal to the quota, the usual intent.
            changed.burst = burst ?? (quota ?? faults.burst)
            return changed
        }
    }

    /// What makes these faults unusable, if anything.
    var problem: String? {
        if !(0...1).contains(errorRate) { return "errorRate must be between 0 and 1" }
        if !(0...1).contains(timeoutRate) { return "timeoutRate must be between 0 and 1" }
        if !(latencyMs >= 0 && latencyMs.isFinite) { return "latencyMs must be 0 or more" }
        if !(latencyP99Ms >= 0 && latencyP99Ms.isFinite) { return "latencyP99Ms must be 0 or more" }
        if quota < 0 { return "quota must be 0 (unlimited) or more" }
        if burst < 0 || (quota > 0 && burst == 0) { return "burst must be positive when there is a quota" }
        return nil
    }
}
