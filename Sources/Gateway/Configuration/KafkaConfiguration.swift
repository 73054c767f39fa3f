import DanCuConfig
import DurationUnits

/// The `kafka` section: how the gateway reaches Kafka. Typed keys cover the common settings; any other
/// librdkafka property can be given by name under `properties`, `producerProperties` or `consumerProperties`.
public struct KafkaConfiguration: Sendable, Codable, Equatable {
    /// `host:port` of some brokers. Empty means: start the embedded cluster (development and tests).
    /// Default: [] (embedded).
    public var bootstrapServers: [String]
    /// Identifies this client in broker logs and quotas. Default: `dancu-gateway`.
    public var clientId: String
    /// The consumer group all gateway instances share. Default: `dancu-gateway`.
    public var groupId: String
    /// How the group shares partitions: an eager strategy (`roundrobin`, `range`: every rebalance revokes
    /// everything first) or `cooperative-sticky` (incremental). Eager is the default because librdkafka
    /// before 2.3.0 (Debian 12 ships 2.0.2) aborts when a cooperative-sticky consumer is destroyed in the
    /// middle of joining its group (librdkafka issue 4312); choose `cooperative-sticky` with a newer librdkafka.
    /// Default: `roundrobin`.
    public var assignmentStrategy: AssignmentStrategy
    /// Where a group with no committed offset starts: `earliest` (nothing lost) or `latest`. Default: `earliest`.
    public var autoOffsetReset: OffsetReset
    /// The consumer is dropped from the group when the broker hears nothing for this long. Default: `45s`.
    public var sessionTimeout: ConfigDuration
    /// How often the consumer reports to the group coordinator, which is also how soon it learns that a
    /// rebalance has begun. Until it learns, it keeps answering requests of partitions it is about to give up,
    /// and a broker that refuses commits meanwhile (librdkafka's mock cluster) hands that work to the next owner
    /// uncommitted; the group also waits for the last member to notice. librdkafka's own default is 3s. At most a
    /// third of `sessionTimeout`. Default: `1s`.
    public var heartbeatInterval: ConfigDuration
    /// How long the producer waits to fill a batch; trades a little latency for throughput. Measured on 2 cores:
    /// half a millisecond kept the cache-hit rate of 1ms and took the gateway's p99 added latency from 7 to 4 ms.
    /// Default: `0.5ms`.
    public var linger: ConfigDuration
    /// How long the producer keeps trying to deliver a record before reporting failure. Default: `30s`.
    public var deliveryTimeout: ConfigDuration
    /// How long the broker may hold a fetch that finds no new records (`fetch.wait.max.ms`). Apache Kafka
    /// answers as soon as records arrive, so this only bounds idle polling; the embedded (mock) cluster holds
    /// every empty fetch for the whole wait, so with it the gateway uses 10ms. Default: `500ms`.
    public var fetchWait: ConfigDuration
    /// How often librdkafka reports its statistics (consumer lag, queues); `0s` turns them off. Default: `5s`.
    public var statisticsInterval: ConfigDuration
    /// `security.protocol`: `plaintext`, `ssl`, `sasl_plaintext` or `sasl_ssl`. Default: `plaintext`.
    public var securityProtocol: SecurityProtocol
    /// CA and client certificate files for `ssl` and `sasl_ssl`. Default: none (system roots, no client certificate).
    public var tls: TLSFiles
    /// Credentials for `sasl_plaintext` and `sasl_ssl`; secrets from the environment. Default: SCRAM-SHA-512, none set.
    public var sasl: SASL
    /// librdkafka properties for every client, by librdkafka's own names, e.g. `socket.keepalive.enable: "true"`.
    /// They override the typed keys above. Default: {}.
    public var properties: [String: String]
    /// librdkafka properties for the producer only. Default: {}.
    public var producerProperties: [String: String]
    /// librdkafka properties for the consumer only. Default: {}.
    public var consumerProperties: [String: String]

    public enum AssignmentStrategy: String, Sendable, Codable, CaseIterable {
        case cooperativeSticky = "cooperative-sticky"
        case range
        case roundrobin
    }

    public enum OffsetReset: String, Sendable, Codable, CaseIterable {
        case earliest
        case latest
    }

    public enum SecurityProtocol: String, Sendable, Codable, CaseIterable {
        case plaintext
        case ssl
        case saslPlaintext = "sasl_plaintext"
        case saslSSL = "sasl_ssl"
    }

    public init() {
        bootstrapServers = []
        clientId = "dancu-gateway"
        groupId = "dancu-gateway"
        assignmentStrategy = .roundrobin
        autoOffsetReset = .earliest
        sessionTimeout = .seconds(45)
        heartbeatInterval = .seconds(1)
        linger = ConfigDuration(.microseconds(500))
        deliveryTimeout = .seconds(30)
        fetchWait = .milliseconds(500)
        statisticsInterval = .seconds(5)
        securityProtocol = .plaintext
        tls = TLSFiles()
        sasl = SASL()
        properties = [:]
        producerProperties = [:]
        consumerProperties = [:]
    }

    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(decoder, keys: CodingKeys.self)
        let defaults = Self()
        bootstrapServers = section.value(
            .bootstrapServers,
            default: defaults.bootstrapServers,
            "every entry must be host:port"
        ) { $0.allSatisfy(Self.isHostPort) }
        clientId = section.value(.clientId, default: defaults.clientId, "must not be empty") { !$0.isEmpty }
        groupId = section.value(.groupId, default: defaults.groupId, "must not be empty") { !$0.isEmpty }
        assignmentStrategy = section.value(.assignmentStrategy, default: defaults.assignmentStrategy)
        autoOffsetReset = section.value(.autoOffsetReset, default: defaults.autoOffsetReset)
        sessionTimeout = section.value(
            .sessionTimeout,
            default: defaults.sessionTimeout,
            "must be between 6s and 300s"
        ) { $0 >= .seconds(6) && $0 <= .seconds(300) }
        heartbeatInterval = section.value(
            .heartbeatInterval,
            default: defaults.heartbeatInterval,
            "must be from 100ms to a third of sessionTimeout (\(sessionTimeout))"
        ) { [sessionTimeout] in $0 >= .milliseconds(100) && $0.duration * 3 <= sessionTimeout.duration }
        linger = section.value(.linger, default: defaults.linger, "must be at most 1s") { $0 <= .seconds(1) }
        deliveryTimeout = section.value(
            .deliveryTimeout,
            default: defaults.deliveryTimeout,
            "must be at least 1s"
        ) { $0 >= .seconds(1) }
        fetchWait = section.value(.fetchWait, default: defaults.fetchWait, "must be from 1ms to 5s") {
            $0 >= .milliseconds(1) && $0 <= .seconds(5)
        }
        statisticsInterval = section.value(.statisticsInterval, default: defaults.statisticsInterval)
        securityProtocol = section.value(.securityProtocol, default: defaults.securityProtocol)
        tls = section.value(.tls, default: defaults.tls)
        sasl = section.value(.sasl, default: defaults.sasl)
        if securityProtocol.usesSASL {
            for key in sasl.missingKeys {
                section.report(
                    .sasl,
                    "\(key) is required by \(sasl.mechanism.rawValue) with \(securityProtocol.rawValue)"
                )
            }
        }
        if !securityProtocol.usesTLS, !tls.isEmpty {
            section.report(.tls, "is set but securityProtocol \(securityProtocol.rawValue) does not use TLS")
        }
        properties = section.value(.properties, default: defaults.properties)
        producerProperties = section.value(.producerProperties, default: defaults.producerProperties)
        consumerProperties = section.value(.consumerProperties, default: defaults.consumerProperties)
    }

    private enum CodingKeys: String, CodingKey {
        case bootstrapServers, clientId, groupId, assignmentStrategy, autoOffsetReset, sessionTimeout
        case heartbeatInterval, linger, deliveryTimeout, fetchWait, statisticsInterval, securityProtocol, tls, sasl
        case properties, producerProperties, consumerProperties
    }

    /// As it is printed (`check-config`): every property whose name looks like it holds a secret is masked, as
    /// `Secret` masks the typed ones. librdkafka names no secret consistently, so the test is wide.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(bootstrapServers, forKey: .bootstrapServers)
        try container.encode(clientId, forKey: .clientId)
        try container.encode(groupId, forKey: .groupId)
        try container.encode(assignmentStrategy, forKey: .assignmentStrategy)
        try container.encode(autoOffsetReset, forKey: .autoOffsetReset)
        try container.encode(sessionTimeout, forKey: .sessionTimeout)
        try container.encode(heartbeatInterval, forKey: .heartbeatInterval)
        try container.encode(linger, forKey: .linger)
        try container.encode(deliveryTimeout, forKey: .deliveryTimeout)
        try container.encode(fetchWait, forKey: .fetchWait)
        try container.encode(statisticsInterval, forKey: .statisticsInterval)
        try container.encode(securityProtocol, forKey: .securityProtocol)
        try container.encode(tls, forKey: .tls)
        try container.encode(sasl, forKey: .sasl)
        try container.encode(Self.masked(properties), forKey: .properties)
        try container.encode(Self.masked(producerProperties), forKey: .producerProperties)
        try container.encode(Self.masked(consumerProperties), forKey: .consumerProperties)
    }

    private static func masked(_ properties: [String: String]) -> [String: String] {
        properties.reduce(into: [:]) { result, property in
            result[property.key] = isSecretLooking(property.key) ? Secret.mask : property.value
        }
    }

    /// Names that hold or may hold a credential: `*password*`, `*secret*`, `*token*`, `*credential*`, every
    /// `sasl.*` but the mechanism and user name (`sasl.jaas.config`, `sasl.oauthbearer.*`, …), every `ssl.key.*`
    /// and `*.pem` (inline private keys and certificates).
    static func isSecretLooking(_ name: String) -> Bool {
        let name = name.lowercased()
        let nonSecretSASL: Set<String> = ["sasl.mechanism", "sasl.mechanisms", "sasl.username"]
        return ["password", "secret", "token", "credential"].contains { name.contains($0) }
            || (name.hasPrefix("sasl.") && !nonSecretSASL.contains(name))
            || name.hasPrefix("ssl.key.") || name.hasSuffix(".pem")
    }

    private static func isHostPort(_ text: String) -> Bool {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else {
            return false
        }
        return colon > text.startIndex && (1...65535).contains(port)
    }

    /// How any client reaches the brokers: servers, identity, TLS and SASL, then `properties`. Tools that
    /// write as a portal (`dancu-batch`) connect with these and their own client settings.
    public func connectionProperties(bootstrapServers servers: [String]) -> [String: String] {
        var result: [String: String] = [
            "bootstrap.servers": servers.joined(separator: ","),
            "client.id": clientId,
            "security.protocol": securityProtocol.rawValue,
        ]
        result.merge(securityProperties) { _, security in security }
        result.merge(properties) { _, explicit in explicit }
        return result
    }

    /// The librdkafka properties both of the gateway's clients share; `properties` still override them.
    func commonProperties(bootstrapServers servers: [String]) -> [String: String] {
        var result = ["statistics.interval.ms": String(Int(statisticsInterval.duration.inMilliseconds))]
        result.merge(connectionProperties(bootstrapServers: servers)) { _, connection in connection }
        return result
    }

    /// librdkafka properties for the producer: idempotent with `acks=all`, one request in flight per broker
    /// connection, unless overridden by name.
    public func producerClientProperties(bootstrapServers servers: [String]) -> [String: String] {
        var result = commonProperties(bootstrapServers: servers)
        result.merge([
            "enable.idempotence": "true",
            "acks": "all",
            "linger.ms": linger.millisecondsText,
            "message.timeout.ms": String(Int(deliveryTimeout.duration.inMilliseconds)),
            // Measured with Debian's librdkafka 2.0.2: with its default of five in flight, the gateway's outcome
            // and audit records were acknowledged 7-30 ms after they were handed over, while the broker answered
            // each request within a millisecond; with one, 99% within 3 ms (BENCHMARKS.md, the pipeline). Every
            // request still carries a batch per partition, so throughput holds (the cache-hit path).
            "max.in.flight.requests.per.connection": "1",
        ]) { explicit, _ in explicit }
        result.merge(producerProperties) { _, explicit in explicit }
        return result
    }

    /// librdkafka properties for the consumer: explicit commits only, offsets stored by the caller.
    public func consumerClientProperties(bootstrapServers servers: [String]) -> [String: String] {
        var result = commonProperties(bootstrapServers: servers)
        result.merge([
            "group.id": groupId,
            "enable.auto.commit": "false",
            "enable.auto.offset.store": "false",
            "auto.offset.reset": autoOffsetReset.rawValue,
            "partition.assignment.strategy": assignmentStrategy.rawValue,
            "session.timeout.ms": String(Int(sessionTimeout.duration.inMilliseconds)),
            "heartbeat.interval.ms": String(Int(heartbeatInterval.duration.inMilliseconds)),
            "fetch.wait.max.ms": String(max(1, Int(fetchWait.duration.inMilliseconds.rounded()))),
            // Without it a regex subscription would not see a new province's topic for 5 minutes.
            "topic.metadata.refresh.interval.ms": "10000",
        ]) { explicit, _ in explicit }
        result.merge(consumerProperties) { _, explicit in explicit }
        return result
    }
}
