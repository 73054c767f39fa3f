import Scheduling

/// A snapshot of the gateway for `/status`, the dashboard and scripts. Rates are averaged over the last
/// `rateWindowSeconds` complete seconds, mixes and percentiles over the last `windowSeconds`; totals count
/// since start. Carries portal ids and counts only, never anything about a citizen.
public struct GatewayStatus: Sendable, Hashable, Codable {
    public struct Health: Sendable, Hashable, Codable {
        /// Joined the consumer group, and the population database is reachable or the breaker lets calls through.
        public var ready: Bool
        public var groupJoined: Bool
        public var upstreamReachable: Bool
        public var circuitState: CircuitState
    }

    public struct PortalThroughput: Sendable, Hashable, Codable {
        public var portal: String
        /// The portal's display name when the gateway was given one, else its id.
        public var name: String
        public var consumedPerSecond: Double
        public var publishedPerSecond: Double
        /// Outcomes published in each of the last `windowSeconds` complete seconds, oldest first.
        public var publishedSeries: [Int]
        public var consumedTotal: Int
        public var publishedTotal: Int
    }

    public struct Throughput: Sendable, Hashable, Codable {
        public var consumedPerSecond: Double
        public var publishedPerSecond: Double
        /// Outcomes published in each of the last `windowSeconds` complete seconds, oldest first.
        public var publishedSeries: [Int]
        public var portals: [PortalThroughput]
    }

    public struct Percentiles: Sendable, Hashable, Codable {
        public var p50Milliseconds: Double
        public var p90Milliseconds: Double
        public var p99Milliseconds: Double
        public var samples: Int
    }

    public struct Latency: Sendable, Hashable, Codable {
        /// From the request's arrival to its outcome's publication; nil before the first outcome in the window.
        public var endToEnd: Percentiles?
        /// One population-database call, retries counted separately.
        public var upstream: Percentiles?
    }

    public struct Cache: Sendable, Hashable, Codable {
        public var hits: Int
        public var misses: Int
        /// hits / (hits + misses) over the window; nil when nothing was looked up.
        public var hitRatio: Double?
        public var entries: Int
        public var bytes: Int
    }

    public struct QueueDepth: Sendable, Hashable, Codable {
        public var portal: String
        public var channel: String
        public var depth: Int
    }

    public struct Upstream: Sendable, Hashable, Codable {
        /// Population-database calls actually made per second: the quota used.
        public var callsPerSecond: Double
        /// The national quota as configured, calls per second: the same on every instance.
        public var nationalQuota: Double
        /// This instance's share of the national quota, calls per second: instances' shares add up to at
        /// most the national quota. It grows one quota window after an assignment, with or without calls.
        public var quotaShare: Double
        /// The rate the adaptive limiter currently allows (at most the share).
        public var effectiveRate: Double
        public var inFlight: Int
        /// Calls by outcome over the window.
        public var outcomes: [String: Int]
        /// Calls answered 429 (rationed) over the window.
        public var throttled: Int
        public var queue: [QueueDepth]
    }

    public struct PartitionStatus: Sendable, Hashable, Codable {
        public var topic: String
        public var partition: Int32
        public var lag: Int64?
        public var committedOffset: Int64?
    }

    public struct Kafka: Sendable, Hashable, Codable {
        public var partitions: [PartitionStatus]
        /// Sum of the known lags.
        public var totalLag: Int64
    }

    public struct Totals: Sendable, Hashable, Codable {
        public var consumed: Int
        public var published: Int
        public var retries: Int
        public var deadLetters: Int
        public var deadLettersByReason: [String: Int]
    }

    /// `development`: embedded Kafka and a simulated population database, synthetic citizens only.
    public var mode: DeploymentMode
    public var uptimeSeconds: Double
    public var windowSeconds: Int
    public var rateWindowSeconds: Int
    public var health: Health
    public var throughput: Throughput
    /// Outcomes by status (`verified`, `not_found`, ...) over the window.
    public var outcomes: [String: Int]
    /// Outcomes by source (`population-db`, `cache`, `gateway`) over the window.
    public var sources: [String: Int]
    public var latency: Latency
    public var cache: Cache
    public var upstream: Upstream
    public var kafka: Kafka
    public var totals: Totals
}
