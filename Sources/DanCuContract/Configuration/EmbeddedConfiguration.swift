import DanCuConfig

/// The `embedded` section: development mode, in which the gateway starts its own Kafka cluster (librdkafka's
/// mock) and population-database simulator, always both. It lives beside the contract because the load and
/// campaign tools need the same synthetic population as the simulator they test against.
public struct EmbeddedConfiguration: Sendable, Codable, Equatable {
    /// `true`: development mode, asked for explicitly (`run --embedded` does the same); Kafka and the
    /// population database must then not be configured. `false`: never, even with nothing configured.
    /// Default: unset, i.e. development mode only when neither Kafka nor the population database is configured.
    public var enabled: Bool?
    /// Brokers of the embedded Kafka cluster. Default: 3.
    public var brokers: Int
    /// Partitions of each request and outcome topic. A mock partition keeps at most 5 MiB or 100,000
    /// message sets, so size this for the largest backlog a run builds. Default: 16.
    public var partitions: Int
    /// Citizens in the simulator's synthetic population. Default: 1000000.
    public var citizens: Int
    /// Seed of the synthetic population (the load tool must use the same). Default: 1.
    public var seed: UInt64
    /// The simulator's median and 99th-percentile latency. Default: `20ms` and `80ms`.
    public var latency: ConfigDuration
    public var latencyP99: ConfigDuration
    /// The simulator's own quota per client, requests/s (0 = none). Default: 0.
    public var simulatorQuota: Int

    public init() {
        enabled = nil
        brokers = 3
        partitions = 16
        citizens = 1_000_000
        seed = 1
        latency = .milliseconds(20)
        latencyP99 = .milliseconds(80)
        simulatorQuota = 0
    }

    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(decoder, keys: CodingKeys.self)
        let defaults = Self()
        enabled = section.optional(.enabled)
        brokers = section.value(.brokers, default: defaults.brokers, "must be between 1 and 9") { (1...9).contains($0) }
        partitions = section.value(.partitions, default: defaults.partitions, "must be between 1 and 256") {
            (1...256).contains($0)
        }
        citizens = section.value(.citizens, default: defaults.citizens, "must be between 1 and 100000000") {
            (1...100_000_000).contains($0)
        }
        seed = section.value(.seed, default: defaults.seed)
        latency = section.value(.latency, default: defaults.latency)
        latencyP99 = section.value(.latencyP99, default: defaults.latencyP99)
        simulatorQuota = section.value(.simulatorQuota, default: defaults.simulatorQuota, "must be 0 or more") {
            $0 >= 0
        }
        if latencyP99 < latency { section.report(.latencyP99, "must not be below latency") }
    }
}
