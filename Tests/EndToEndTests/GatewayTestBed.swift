import DanCuConfig
import DanCuContract
import Foundation
import Gateway
import Kafka
import Logging
import Operations
import PopulationSimulator
import Synchronization
import SyntheticPopulation
import Testing

/// An embedded Kafka cluster and a population-database simulator owned by one test, with the shipped
/// configuration pointed at them, and helpers to publish requests and collect what comes back.
struct GatewayTestBed: Sendable {
    static let repositoryRoot = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let secret = "test-secret"

    let cluster: EmbeddedKafkaCluster
    let simulator: PopulationSimulator
    let simulatorURL: String
    let simulatorPort: Int
    let rules: ContractRules
    let logger: Logger

    var population: SyntheticPopulation { simulator.population }

    init(partitions: Int32 = 4, citizens: Int = 50_000, latencyMs: Double = 1) async throws {
        var logger = Logger(label: "gateway-tests")
        logger.logLevel = ProcessInfo.processInfo.environment["DANCU_TEST_LOG"] == nil ? .error : .debug
        self.logger = logger
        cluster = try EmbeddedKafkaCluster(brokers: 3, logger: logger)
        simulator = PopulationSimulator(
            configuration: SimulatorConfiguration(
                citizens: citizens,
                seed: 11,
                secret: Self.secret,
                latencyMs: latencyMs,
                latencyP99Ms: latencyMs * 4,
                hangLimit: .seconds(2)
            ),
            logger: logger
        )
        simulatorPort = try await simulator.start()
        simulatorURL = simulator.endpointURL(port: simulatorPort)
        (_, rules) = try GatewayConfiguration.load(path: Self.shippedConfiguration, environment: [:])
        for portal in rules.portals {
            try cluster.createTopic(rules.requestTopic(for: portal), partitions: partitions)
            try cluster.createTopic(rules.outcomeTopic(for: portal), partitions: partitions)
        }
        try cluster.createTopic(rules.deadLetterTopic, partitions: partitions)
    }

    static var shippedConfiguration: String { repositoryRoot.appending(path: "Config/gateway.yaml").path }

    /// An executable of this build: from `GATEWAY_BIN_PATH` (scripts/test sets it from `swift build
    /// --show-bin-path`), else from the folder of this test runner, which SwiftPM builds beside them.
    static func executable(_ name: String) -> String {
        let folder =
            ProcessInfo.processInfo.environment["GATEWAY_BIN_PATH"].map { URL(filePath: $0) }
            ?? URL(filePath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent()
        return folder.appending(path: name).path
    }

    /// Environment overrides that point the shipped configuration at this test bed.
    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = [
            "DANCU_KAFKA_BOOTSTRAP_SERVERS": cluster.bootstrapServers,
            "DANCU_KAFKA_GROUP_ID": "gateway-under-test",
            "DANCU_KAFKA_SESSION_TIMEOUT": "6s",
            "DANCU_KAFKA_FETCH_WAIT": "10ms",
            "DANCU_POPULATION_DB_URL": simulatorURL,
            "DANCU_POPULATION_DB_ALLOW_PLAINTEXT": "true",
            "DANCU_POPULATION_DB_SECRET": Self.secret,
            "DANCU_POPULATION_DB_QUOTA_REQUESTS_PER_SECOND": "500",
            "DANCU_POPULATION_DB_QUOTA_BURST": "100",
            "DANCU_POPULATION_DB_QUOTA_MAX_IN_FLIGHT": "64",
            "DANCU_PIPELINE_COMMIT_INTERVAL": "200ms",
            "DANCU_ADMIN_PORT": "0",
            "DANCU_CIRCUIT_BREAKER_COOL_DOWN": "1s",
            "DANCU_PIPELINE_RETRY_BASE": "20ms",
            "DANCU_PIPELINE_RETRY_CAP": "200ms",
            "DANCU_PIPELINE_RETRY_ATTEMPTS": "10",
        ]
        environment.merge(extra) { $1 }
        return environment
    }

    /// Runs the gateway in this process while `body` runs; returns when it has shut down.
    func withGateway(_ extra: [String: String] = [:], _ body: @escaping @Sendable () async throws -> Void) async throws
    {
        let (configuration, rules) = try GatewayConfiguration.load(
            path: Self.shippedConfiguration,
            environment: environment(extra)
        )
        let runtime = GatewayRuntime(configuration: configuration, rules: rules, logger: logger)
        try await runtime.run(
            connections: .configured(configuration),
            handlesSignals: false,
            announce: { _ in },
            whileRunning: { _, _ in try await body() }
        )
    }

    func producer() throws -> KafkaProducer {
        // Large enough for the 1 MiB malformed message the tests send.
        try KafkaProducer(
            properties: [
                "bootstrap.servers": cluster.bootstrapServers, "linger.ms": "1", "message.max.bytes": "2000000",
            ],
            logger: logger
        )
    }

    /// Publishes each request to its portal's request topic, keyed by its request id.
    func publish(_ requests: [TestRequest], with producer: KafkaProducer) async throws {
        let records = requests.map { request in
            KafkaRecord(
                topic: "dancu.requests.\(request.portal)",
                key: Array(request.key.utf8),
                value: request.bytes,
                headers: request.headers,
                partition: request.partition
            )
        }
        for result in await producer.sendAll(records) { _ = try result.get() }
    }

    /// Every record on the audit topic so far, read to its end without joining a group.
    func auditRecords() async throws -> [AuditRecord] {
        let topic = AuditConfiguration().topic
        let consumer = try KafkaConsumer(
            properties: [
                "bootstrap.servers": cluster.bootstrapServers, "group.id": "audit-\(UUID().uuidString)",
                "fetch.wait.max.ms": "10",
            ],
            logger: logger
        )
        let partitionCount = try await consumer.partitionCounts(of: [topic])[topic] ?? 0
        let ends = try await consumer.endOffsets(
            of: (0..<partitionCount).map { TopicPartition(topic: topic, partition: Int32($0)) }
        )
        try consumer.assign(Dictionary(uniqueKeysWithValues: ends.keys.map { ($0, Int64(0)) }))
        var records: [AuditRecord] = []
        while records.count < ends.values.reduce(0, +) {
            for case .messages(let messages) in try await consumer.poll(timeout: .milliseconds(100)) {
                records += try messages.map { try JSONDecoder().decode(AuditRecord.self, from: Data($0.value ?? [])) }
            }
        }
        await consumer.close()
        return records
    }

    /// A consumer of every outcome topic and the dead-letter topic, in a group of its own.
    func outcomeCollector() throws -> OutcomeCollector {
        let consumer = try KafkaConsumer(
            properties: [
                "bootstrap.servers": cluster.bootstrapServers, "group.id": "collector-\(UUID().uuidString)",
                "auto.offset.reset": "earliest", "topic.metadata.refresh.interval.ms": "500",
                "fetch.wait.max.ms": "10",
            ],
            logger: logger
        )
        try consumer.subscribe(topics: rules.portals.map(rules.outcomeTopic(for:)) + [rules.deadLetterTopic])
        return OutcomeCollector(consumer: consumer, deadLetterTopic: rules.deadLetterTopic)
    }
}

/// One request as a portal would publish it.
struct TestRequest: Sendable {
    var portal: String
    var requestId: String
    var json: [String: any Sendable]
    var rawBytes: [UInt8]? = nil
    var headers: [KafkaHeader] = []
    /// A fixed partition of the request topic; `nil` lets the key choose.
    var partition: Int32? = nil

    var key: String { requestId }

    var bytes: [UInt8] {
        if let rawBytes { return rawBytes }
        var object = json
        object["requestId"] = requestId
        return Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
    }

    static func verify(
        _ portal: String,
        _ id: String,
        name: String,
        idNumber: String,
        dateOfBirth: String,
        channel: String = "online"
    ) -> TestRequest {
        TestRequest(
            portal: portal,
            requestId: id,
            json: [
                "type": "verify", "channel": channel,
                "citizen": ["fullName": name, "idNumber": idNumber, "dateOfBirth": dateOfBirth],
            ]
        )
    }

    static func lookup(
        _ portal: String,
        _ id: String,
        citizen: CitizenRecord,
        procedure: String,
        fields: [String]? = nil
    ) -> TestRequest {
        var json: [String: any Sendable] = [
            "type": "lookup", "procedureCode": procedure,
            "citizen": [
                "fullName": citizen.fullName, "idNumber": citizen.idNumber,
                "dateOfBirth": citizen.dateOfBirth.displayText,
            ],
        ]
        if let fields { json["fields"] = fields }
        return TestRequest(portal: portal, requestId: id, json: json)
    }

    static func link(_ portal: String, _ id: String, citizen: CitizenRecord, legacyIdNumber: String) -> TestRequest {
        TestRequest(
            portal: portal,
            requestId: id,
            json: [
                "type": "link", "legacyIdNumber": legacyIdNumber, "channel": "batch",
                "citizen": [
                    "fullName": citizen.fullName, "idNumber": citizen.idNumber,
                    "dateOfBirth": citizen.dateOfBirth.displayText,
                ],
            ]
        )
    }
}

/// What came back: outcomes by topic, and dead letters.
struct Collected: Sendable {
    var outcomes: [(topic: String, key: String?, headers: [KafkaHeader], outcome: Outcome)] = []
    var deadLetters: [KafkaMessage] = []

    func outcomes(for requestId: String) -> [(topic: String, key: String?, headers: [KafkaHeader], outcome: Outcome)] {
        outcomes.filter { $0.outcome.requestId == requestId }
    }

    var answeredRequestIds: Set<String> { Set(outcomes.map(\.outcome.requestId)) }
}

final class OutcomeCollector: Sendable {
    private let consumer: KafkaConsumer
    private let deadLetterTopic: String
    private let collected = Mutex(Collected())

    init(consumer: KafkaConsumer, deadLetterTopic: String) {
        self.consumer = consumer
        self.deadLetterTopic = deadLetterTopic
    }

    /// Collects until `done` holds or `limit` passes (then records an issue), and returns what came.
    @discardableResult
    func collect(
        limit: Duration = .seconds(120),
        sourceLocation: SourceLocation = #_sourceLocation,
        until done: (Collected) -> Bool
    ) async throws -> Collected {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: limit)
        while !done(snapshot) {
            guard clock.now < deadline else {
                Issue.record("outcomes did not arrive within \(limit)", sourceLocation: sourceLocation)
                break
            }
            for event in try await consumer.poll(timeout: .milliseconds(100)) {
                guard case .messages(let messages) = event else { continue }
                for message in messages { try add(message) }
            }
        }
        return snapshot
    }

    private func add(_ message: KafkaMessage) throws {
        if message.topic == deadLetterTopic {
            collected.withLock { $0.deadLetters.append(message) }
            return
        }
        let outcome = try JSONDecoder().decode(Outcome.self, from: Data(message.value ?? []))
        let key = message.key.map { String(decoding: $0, as: UTF8.self) }
        collected.withLock { $0.outcomes.append((message.topic, key, message.headers, outcome)) }
    }

    var snapshot: Collected { collected.withLock { $0 } }

    func close() async { await consumer.close() }
}

/// Checks `condition` every 50 ms until it holds, for at most `limit`: for what another process decides, such as
/// a group's committed offsets, which no event announces.
func eventually(limit: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws -> Bool {
    let clock = ContinuousClock()
    let giveUp = clock.now.advanced(by: limit)
    while clock.now < giveUp {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}
