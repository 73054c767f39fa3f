import DanCuConfig
import DanCuContract

/// How the national quota is shared between channels and portals (the `scheduler` section).
/// The quota itself is `populationDb.quota`.
public struct SchedulerConfiguration: Sendable, Hashable, Codable {
    /// The least share of calls a lower-priority channel gets while it has work waiting, so that
    /// counters coming first never starve online or batch work.
    /// Default: online 0.2, batch 0.1
    public var minimumShares: MinimumShares
    /// Requests waiting per portal (all channels) before the scheduler asks for that portal's
    /// partitions to be paused; they are resumed once the queue has drained to half.
    /// Default: 1000
    public var queueCapacityPerPortal: Int
    /// How the call rate adapts to 429 answers and slow answers.
    /// Default: see `AdaptiveRate`
    public var adaptive: AdaptiveRate
    /// Grants are counted over one second plus this margin. A call reaches the database a little after
    /// its grant, some later than others; counting over the longer window keeps every one-second window
    /// of the database's own count within the quota as long as that spread stays under the margin.
    /// Costs the same fraction of throughput under saturation (20ms: 2%).
    /// Default: 20ms
    public var windowMargin: ConfigDuration

    public init() {
        self.init(minimumShares: MinimumShares(), queueCapacityPerPortal: 1000, adaptive: AdaptiveRate())
    }

    public init(
        minimumShares: MinimumShares,
        queueCapacityPerPortal: Int,
        adaptive: AdaptiveRate,
        windowMargin: ConfigDuration = .milliseconds(20)
    ) {
        self.minimumShares = minimumShares
        self.queueCapacityPerPortal = queueCapacityPerPortal
        self.adaptive = adaptive
        self.windowMargin = windowMargin
    }

    private enum CodingKeys: String, CodingKey {
        case minimumShares, queueCapacityPerPortal, adaptive, windowMargin
    }

    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(decoder, keys: CodingKeys.self)
        let defaults = Self()
        minimumShares = section.value(.minimumShares, default: defaults.minimumShares)
        queueCapacityPerPortal = section.value(
            .queueCapacityPerPortal,
            default: defaults.queueCapacityPerPortal,
            "must be a positive integer"
        ) { $0 > 0 }
        adaptive = section.value(.adaptive, default: defaults.adaptive)
        windowMargin = section.value(.windowMargin, default: defaults.windowMargin, "must be from 0s to 500ms") {
            $0.duration >= .zero && $0.duration <= .milliseconds(500)
        }
    }
}

/// Minimum shares of the lower-priority channels (`scheduler.minimumShares`); the counter
/// channel gets the rest, and any share a channel does not use goes to the others.
public struct MinimumShares: Sendable, Hashable, Codable {
    /// Default: 0.2
    public var online: Double
    /// Default: 0.1
    public var batch: Double

    public init() {
        self.init(online: 0.2, batch: 0.1)
    }

    public init(online: Double, batch: Double) {
        self.online = online
        self.batch = batch
    }

    private enum CodingKeys: String, CodingKey {
        case online, batch
    }

    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(decoder, keys: CodingKeys.self)
        let defaults = Self()
        let requirement = "must be a fraction from 0 to 0.9"
        online = section.value(.online, default: defaults.online, requirement) { (0...0.9).contains($0) }
        batch = section.value(.batch, default: defaults.batch, requirement) { (0...0.9).contains($0) }
        if online + batch > 0.9 {
            // The counter channel must keep a real share of its own.
            section.report(.batch, "online + batch must not exceed 0.9")
        }
    }

    /// The minimum share of `channel`; the counter channel has none because it comes first.
    func share(of channel: Channel) -> Double {
        switch channel {
        case .counter: 0
        case .online: online
        case .batch: batch
        }
    }
}

/// AIMD rate adaptation (`scheduler.adaptive`): cut the call rate by `decreaseFactor` on a 429 or
/// an answer slower than `latencyThreshold`, then raise it by `increasePerSecond` every second,
/// never above this instance's share of the quota.
public struct AdaptiveRate: Sendable, Hashable, Codable {
    /// An answer slower than this counts as a sign of overload.
    /// Default: 2s
    public var latencyThreshold: ConfigDuration
    /// Factor the rate is multiplied by on overload.
    /// Default: 0.5
    public var decreaseFactor: Double
    /// Calls per second added to the rate each second while answers are healthy; `nil` scales with the
    /// quota, so that a cut is won back in the same time at any quota.
    /// Default: `nil` (5% of this instance's quota share per second: 5 at 100 calls/s, 50 at 1,000)
    public var increasePerSecond: Double?
    /// The share of the quota the rate recovers per second when `increasePerSecond` is not set.
    static let defaultIncreaseShare = 0.05

    /// The rate is never cut below this many calls per second.
    /// Default: 1
    public var minimumRate: Double

    public init() {
        self.init(latencyThreshold: .seconds(2), decreaseFactor: 0.5, increasePerSecond: nil, minimumRate: 1)
    }

    public init(
        latencyThreshold: ConfigDuration,
        decreaseFactor: Double,
        increasePerSecond: Double?,
        minimumRate: Double
    ) {
        self.latencyThreshold = latencyThreshold
        self.decreaseFactor = decreaseFactor
        self.increasePerSecond = increasePerSecond
        self.minimumRate = minimumRate
    }

    private enum CodingKeys: String, CodingKey {
        case latencyThreshold, decreaseFactor, increasePerSecond, minimumRate
    }

    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(decoder, keys: CodingKeys.self)
        let defaults = Self()
        latencyThreshold = section.value(.latencyThreshold, default: defaults.latencyThreshold, "must be positive") {
            $0.duration > .zero
        }
        decreaseFactor = section.value(
            .decreaseFactor,
            default: defaults.decreaseFactor,
            "must be greater than 0 and less than 1"
        ) { $0 > 0 && $0 < 1 }
        increasePerSecond = section.optional(.increasePerSecond, "must be positive") { $0 > 0 }
        minimumRate = section.value(.minimumRate, default: defaults.minimumRate, "must be positive") { $0 > 0 }
    }
}
