/// The national quota as `populationDb.quota` states it; the pipeline passes it to the scheduler.
public struct QuotaSettings: Sendable, Hashable {
    /// Calls per second the population database grants the whole gateway (all instances together).
    public var requestsPerSecond: Double
    /// Calls that may start at once after a quiet spell (the token bucket's depth).
    public var burst: Int
    /// Calls in flight at once (all instances together).
    public var maxInFlight: Int

    public init(requestsPerSecond: Double, burst: Int, maxInFlight: Int) {
        self.requestsPerSecond = requestsPerSecond
        self.burst = burst
        self.maxInFlight = maxInFlight
    }
}
