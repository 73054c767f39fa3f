import DanCuConfig
import DanCuContract
import Foundation
import Kafka
import Operations
import PopulationDB
import Scheduling

/// The whole `gateway.yaml`: one section per concern, each owned by the module it configures.
public struct GatewayConfiguration: Sendable, Codable {
    /// How to reach Kafka. Default: no bootstrap servers (development mode when the database has none either).
    public var kafka: KafkaConfiguration
    /// How to reach the population database. Default: no URL (development mode when Kafka has none either).
    public var populationDb: PopulationDBConfiguration
    /// How request values are read (names' tone placement). Default: see `ContractSettings`.
    public var contract: ContractSettings
    /// The provincial portals allowed to send requests. Default: none (the shipped file lists three).
    public var portals: [PortalConfiguration]
    /// Administrative procedures and the fields a lookup for each may release. Default: none.
    public var procedures: [ProcedureConfiguration]
    /// How requests are read: size limit, default deadlines, topic names. Default: see `RequestPolicy`.
    public var requests: RequestPolicy
    /// The pipeline's own limits: concurrency, commits, retries, shutdown.
    public var pipeline: PipelineConfiguration
    /// Development mode: the embedded Kafka cluster and the population-database simulator, always together.
    public var embedded: EmbeddedConfiguration
    /// Priority and fair sharing of the quota, adaptive rate. Default: see `SchedulerConfiguration`.
    public var scheduler: SchedulerConfiguration
    /// The in-memory result cache. Default: see `CacheConfiguration`.
    public var cache: CacheConfiguration
    /// When to stop calling a failing population database. Default: see `CircuitBreakerConfiguration`.
    public var circuitBreaker: CircuitBreakerConfiguration
    /// The admin HTTP server (metrics, health, status, dashboard). Default: 127.0.0.1:8080.
    public var admin: AdminConfiguration
    /// Log level and format. Default: info, human.
    public var log: LogConfiguration
    /// The audit trail of population-database accesses. Default: topic `dancu.audit`.
    public var audit: AuditConfiguration
    /// Spans exported to an OpenTelemetry collector. Default: off.
    public var tracing: TracingConfiguration

    public init() {
        kafka = KafkaConfiguration()
        populationDb = PopulationDBConfiguration()
        contract = ContractSettings()
        portals = []
        procedures = []
        requests = RequestPolicy()
        pipeline = PipelineConfiguration()
        embedded = EmbeddedConfiguration()
        scheduler = SchedulerConfiguration()
        cache = CacheConfiguration()
        circuitBreaker = CircuitBreakerConfiguration()
        admin = AdminConfiguration()
        log = LogConfiguration()
        audit = AuditConfiguration()
        tracing = TracingConfiguration()
    }

    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(decoder, keys: CodingKeys.self)
        let defaults = Self()
        kafka = section.value(.kafka, default: defaults.kafka)
        populationDb = section.value(.populationDb, default: defaults.populationDb)
        contract = section.value(.contract, default: defaults.contract)
        portals = section.value(.portals, default: defaults.portals)
        procedures = section.value(.procedures, default: defaults.procedures)
        requests = section.value(.requests, default: defaults.requests)
        pipeline = section.value(.pipeline, default: defaults.pipeline)
        embedded = section.value(.embedded, default: defaults.embedded)
        scheduler = section.value(.scheduler, default: defaults.scheduler)
        cache = section.value(.cache, default: defaults.cache)
        circuitBreaker = section.value(.circuitBreaker, default: defaults.circuitBreaker)
        admin = section.value(.admin, default: defaults.admin)
        log = section.value(.log, default: defaults.log)
        audit = section.value(.audit, default: defaults.audit)
        tracing = section.value(.tracing, default: defaults.tracing)
        if portals.isEmpty { section.report(.portals, "at least one portal must be configured") }
    }

    /// Development mode runs on synthetic citizens: only when asked for, or when nothing real is configured.
    public var mode: DeploymentMode {
        switch embedded.enabled {
        case true?: .development
        case false?: .production
        case nil: kafka.bootstrapServers.isEmpty && populationDb.url == nil ? .development : .production
        }
    }

    /// Loads the file (or only the environment when `path` is nil) and checks what no single key can:
    /// the contract's consistency, librdkafka's acceptance of every Kafka property, and that the gateway
    /// runs either wholly on real services or wholly in development mode.
    /// - Parameters:
    ///   - developmentRequested: `run --embedded`, the same as `embedded.enabled: true`.
    ///   - checkingDeployment: `false` for tools that only apply the contract (`validate`).
    public static func load(
        path: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        developmentRequested: Bool = false,
        checkingDeployment: Bool = true
    ) throws(ConfigurationError) -> (GatewayConfiguration, ContractRules) {
        var configuration = try ConfigurationLoader.load(
            GatewayConfiguration.self,
            path: path,
            environment: environment
        )
        if developmentRequested { configuration.embedded.enabled = true }
        var issues = checkingDeployment ? configuration.deploymentIssues() : []
        var rules: ContractRules?
        var procedures = configuration.procedures
        do {
            procedures = try ContractFile.procedures(
                listed: configuration.procedures,
                settings: configuration.contract,
                configurationPath: path
            )
        } catch {
            issues += error.issues
        }
        do {
            rules = try ContractRules(
                portals: configuration.portals,
                procedures: procedures,
                policy: configuration.requests,
                settings: configuration.contract
            )
        } catch {
            issues += error.problems.map { problem in
                let parts = problem.split(separator: ": ", maxSplits: 1).map(String.init)
                return ConfigurationError.Issue(key: parts[0], message: parts.count > 1 ? parts[1] : problem)
            }
        }
        let placeholderServers = ["localhost:9092"]
        let servers =
            configuration.kafka.bootstrapServers.isEmpty ? placeholderServers : configuration.kafka.bootstrapServers
        for (scope, properties) in [
            ("kafka.producerProperties", configuration.kafka.producerClientProperties(bootstrapServers: servers)),
            ("kafka.consumerProperties", configuration.kafka.consumerClientProperties(bootstrapServers: servers)),
        ] {
            do {
                try KafkaClientProperties.validate(properties)
            } catch {
                let key = error.configurationKey ?? ""
                // librdkafka quotes a refused value, which for a secret-looking property may be the secret.
                let message =
                    if let value = properties[key], !value.isEmpty, KafkaConfiguration.isSecretLooking(key) {
                        error.message.replacingOccurrences(of: value, with: Secret.mask)
                    } else {
                        error.message
                    }
                issues.append(.init(key: "\(scope) \(key)", message: message))
            }
        }
        guard issues.isEmpty, let rules else { throw ConfigurationError(issues: issues) }
        return (configuration, rules)
    }

    /// Fail closed: a half-configured gateway never quietly fills the gap with a stand-in.
    func deploymentIssues() -> [ConfigurationError.Issue] {
        let kafkaConfigured = !kafka.bootstrapServers.isEmpty
        let databaseConfigured = populationDb.url != nil
        switch mode {
        case .development:
            var issues: [ConfigurationError.Issue] = []
            if kafkaConfigured {
                issues.append(
                    .init(
                        key: "kafka.bootstrapServers",
                        message:
                            "must be empty in development mode (embedded.enabled or run --embedded), which starts its own cluster"
                    )
                )
            }
            if databaseConfigured {
                issues.append(
                    .init(
                        key: "populationDb.url",
                        message:
                            "must be empty in development mode (embedded.enabled or run --embedded), which starts its own simulator"
                    )
                )
            }
            return issues
        case .production:
            var issues: [ConfigurationError.Issue] = []
            if !kafkaConfigured {
                issues.append(
                    .init(key: "kafka.bootstrapServers", message: "is not set (DANCU_KAFKA_BOOTSTRAP_SERVERS)")
                )
            }
            if !databaseConfigured {
                issues.append(
                    .init(
                        key: "populationDb.url",
                        message:
                            "is not set (DANCU_POPULATION_DB_URL): the gateway never answers portals from a simulator; development mode is asked for with run --embedded"
                    )
                )
            }
            return issues
        }
    }
}

/// The `pipeline` section.
public struct PipelineConfiguration: Sendable, Codable, Equatable {
    /// Regular expression (librdkafka's `^` form) of the request topics; new portals' topics are picked up
    /// without a restart. Default: `^dancu\.requests\..+`.
    public var requestTopicPattern: String
    /// Messages of one partition processed at once; at the cap the partition is paused. Default: 256.
    public var maxInFlightPerPartition: Int
    /// Messages processed at once in total; at the cap every partition is paused. Default: 4096.
    public var maxInFlight: Int
    /// How often finished offsets are committed (also on revocation and shutdown). Default: `1s`.
    public var commitInterval: ConfigDuration
    /// How long a revocation waits for the revoked partitions' work before letting go. Default: `10s`.
    public var revocationTimeout: ConfigDuration
    /// How long a graceful shutdown waits for in-flight work. Default: `20s`.
    public var shutdownTimeout: ConfigDuration
    /// A request id seen again within this window gets the first outcome again, without an upstream call.
    /// Default: `5m`.
    public var duplicateWindow: ConfigDuration
    /// The most outcomes remembered for duplicates (bounds memory). Default: 100000.
    public var duplicateCapacity: Int
    /// The most bytes of outcomes remembered for duplicates, keys included; the oldest leave first. Default:
    /// 67108864 (64 MiB).
    public var duplicateMaxBytes: Int
    /// Retries of retriable upstream failures. Default: base 200ms, cap 10s, 6 attempts.
    public var retry: RetryConfiguration

    public init() {
        requestTopicPattern = #"^dancu\.requests\..+"#
        maxInFlightPerPartition = 256
        maxInFlight = 4096
        commitInterval = .seconds(1)
        revocationTimeout = .seconds(10)
        shutdownTimeout = .seconds(20)
        duplicateWindow = .seconds(300)
        duplicateCapacity = 100_000
        duplicateMaxBytes = 64 << 20
        retry = RetryConfiguration()
    }

    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(decoder, keys: CodingKeys.self)
        let defaults = Self()
        requestTopicPattern = section.value(
            .requestTopicPattern,
            default: defaults.requestTopicPattern,
            "must not be empty"
        ) { !$0.isEmpty }
        maxInFlightPerPartition = section.value(
            .maxInFlightPerPartition,
            default: defaults.maxInFlightPerPartition,
            "must be between 1 and 100000"
        ) { (1...100_000).contains($0) }
        maxInFlight = section.value(.maxInFlight, default: defaults.maxInFlight, "must be between 1 and 1000000") {
            (1...1_000_000).contains($0)
        }
        commitInterval = section.value(
            .commitInterval,
            default: defaults.commitInterval,
            "must be between 10ms and 60s"
        ) {
            $0 >= .milliseconds(10) && $0 <= .seconds(60)
        }
        revocationTimeout = section.value(.revocationTimeout, default: defaults.revocationTimeout)
        shutdownTimeout = section.value(.shutdownTimeout, default: defaults.shutdownTimeout)
        duplicateWindow = section.value(.duplicateWindow, default: defaults.duplicateWindow)
        duplicateCapacity = section.value(.duplicateCapacity, default: defaults.duplicateCapacity, "must be 0 or more")
        {
            $0 >= 0
        }
        duplicateMaxBytes = section.value(
            .duplicateMaxBytes,
            default: defaults.duplicateMaxBytes,
            "must be at least 65536"
        ) { $0 >= 65_536 }
        retry = section.value(.retry, default: defaults.retry)
    }
}

/// `pipeline.retry`: exponential backoff with full jitter.
public struct RetryConfiguration: Sendable, Codable, Equatable {
    /// The first backoff's upper bound. Default: `200ms`.
    public var base: ConfigDuration
    /// No backoff is longer than this (a `Retry-After` may be). Default: `10s`.
    public var cap: ConfigDuration
    /// Calls per request, the first included. Default: 6.
    public var attempts: Int

    public init() {
        base = .milliseconds(200)
        cap = .seconds(10)
        attempts = 6
    }

    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(decoder, keys: CodingKeys.self)
        let defaults = Self()
        base = section.value(.base, default: defaults.base, "must be positive") { $0 > .seconds(0) }
        cap = section.value(.cap, default: defaults.cap, "must be positive") { $0 > .seconds(0) }
        attempts = section.value(.attempts, default: defaults.attempts, "must be between 1 and 100") {
            (1...100).contains($0)
        }
        if cap < base { section.report(.cap, "must not be shorter than base") }
    }
}
