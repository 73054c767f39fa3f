import DanCuContract

/// The scheduler's state at one moment, for metrics and the dashboard.
public struct SchedulerSnapshot: Sendable, Hashable {
    /// One portal's waiting requests.
    public struct PortalQueue: Sendable, Hashable {
        public var portal: String
        public var waitingByChannel: [Channel: Int]
        /// Whether the scheduler has asked for the portal's partitions to be paused.
        public var backpressured: Bool

        public var waiting: Int { waitingByChannel.values.reduce(0, +) }
    }

    /// Every known portal, in configuration order.
    public var queues: [PortalQueue]
    /// Calls per second the adaptive rate allows now (at most `quotaRate`).
    public var effectiveRate: Double
    /// This instance's share of the national quota, in calls per second.
    public var quotaRate: Double
    /// The national quota as configured, calls per second: the same on every instance.
    public var nationalQuota: Double
    /// This instance's share of the quota (0...1].
    public var share: Double
    public var inFlight: Int
    public var maxInFlight: Int
    /// Until when all calls are paused (Retry-After, breaker open), if they are.
    public var pausedUntil: SchedulingInstant?

    public var waiting: Int { queues.reduce(0) { $0 + $1.waiting } }
}
