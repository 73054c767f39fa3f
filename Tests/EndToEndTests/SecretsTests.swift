import DanCuConfig
import Foundation
import Gateway
import Kafka
import Logging
import Synchronization
import Testing

/// Kafka's TLS and SASL settings reach librdkafka under its own names, secrets come from the environment,
/// and no secret shows in `check-config`'s output or in the Kafka clients' logs.
@Suite(.timeLimit(.minutes(2))) struct SecretsTests {
    static let secrets = [
        "DANCU_KAFKA_SASL_PASSWORD": "kafka-pass-7f3a91",
        "DANCU_KAFKA_TLS_PRIVATE_KEY_PASSWORD": "key-pass-2b8c44",
        "DANCU_POPULATION_DB_SECRET": "popdb-secret-91d0e2",
        "DANCU_AUDIT_SECRET": "audit-secret-0123456789abcdef0123456789",
        "DANCU_CACHE_SECRET": "cache-secret-5e6f7a8b9c",
    ]
    static let caFile = "/etc/ssl/certs/ca-certificates.crt"

    static func scramEnvironment() -> [String: String] {
        secrets.merging([
            "DANCU_KAFKA_BOOTSTRAP_SERVERS": "kafka-1.angiang.gov.vn:9093",
            "DANCU_KAFKA_SECURITY_PROTOCOL": "sasl_ssl",
            "DANCU_KAFKA_TLS_CA_FILE": caFile,
            "DANCU_KAFKA_SASL_USERNAME": "dancu-gateway-angiang",
            "DANCU_POPULATION_DB_URL": "https://csdldc.example.gov.vn/dancu/ws",
        ]) { $1 }
    }

    @Test func scramOverTLSReachesLibrdkafkaUnderItsOwnNames() async throws {
        let (configuration, _) = try GatewayConfiguration.load(
            path: GatewayTestBed.shippedConfiguration,
            environment: Self.scramEnvironment()
        )
        let properties = configuration.kafka.consumerClientProperties(
            bootstrapServers: configuration.kafka.bootstrapServers
        )
        #expect(properties["security.protocol"] == "sasl_ssl")
        #expect(properties["sasl.mechanism"] == "SCRAM-SHA-512")
        #expect(properties["sasl.username"] == "dancu-gateway-angiang")
        #expect(properties["sasl.password"] == Self.secrets["DANCU_KAFKA_SASL_PASSWORD"])
        #expect(properties["ssl.ca.location"] == Self.caFile)
        // No client certificate was configured, so none is named, and the key password (unused) still applies.
        #expect(properties["ssl.certificate.location"] == nil)
        #expect(properties["ssl.key.password"] == Self.secrets["DANCU_KAFKA_TLS_PRIVATE_KEY_PASSWORD"])
        // librdkafka builds a client from them (it loads the CA file now), without connecting anywhere yet.
        let producer = try KafkaProducer(
            properties: configuration.kafka.producerClientProperties(bootstrapServers: ["127.0.0.1:1"]),
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        )
        await producer.close(flushTimeout: .milliseconds(100))
    }

    @Test func oauthBearerUsesLibrdkafkasOwnTokenFetching() throws {
        var environment = Self.scramEnvironment()
        environment["DANCU_KAFKA_SASL_MECHANISM"] = "OAUTHBEARER"
        environment["DANCU_KAFKA_SASL_OAUTH_TOKEN_ENDPOINT"] = "https://sso.phutho.gov.vn/token"
        environment["DANCU_KAFKA_SASL_OAUTH_CLIENT_ID"] = "dancu-gateway"
        environment["DANCU_KAFKA_SASL_OAUTH_CLIENT_SECRET"] = "oauth-secret-c0ffee"
        let yaml = try String(contentsOfFile: GatewayTestBed.shippedConfiguration, encoding: .utf8)
        let configuration = try ConfigurationLoader.load(
            GatewayConfiguration.self,
            yaml: yaml,
            environment: environment
        )
        let properties = configuration.kafka.producerClientProperties(bootstrapServers: ["127.0.0.1:1"])
        #expect(properties["sasl.oauthbearer.method"] == "oidc")
        #expect(properties["sasl.oauthbearer.client.secret"] == "oauth-secret-c0ffee")
        #expect(properties["sasl.username"] == nil, "SCRAM settings stay out of an OAUTHBEARER client")
        // Debian's librdkafka 2.0.2 is built without libcurl, so it has no OIDC token fetching: the start is
        // refused with librdkafka's own reason, not at the first connection. A build with it loads.
        do {
            _ = try GatewayConfiguration.load(path: GatewayTestBed.shippedConfiguration, environment: environment)
        } catch {
            #expect(error.issues.count == 2, "the producer's and the consumer's properties")
            #expect(
                error.issues.allSatisfy {
                    $0.key.contains("sasl.oauthbearer.") && $0.message.contains("not supported in this build")
                }
            )
        }
    }

    @Test func missingCredentialsAndMisplacedFilesStopTheStartNamingTheKey() {
        var environment = Self.scramEnvironment()
        environment["DANCU_KAFKA_SASL_PASSWORD"] = nil
        #expect {
            try GatewayConfiguration.load(path: GatewayTestBed.shippedConfiguration, environment: environment)
        } throws: { error in
            let issues = (error as? ConfigurationError)?.issues ?? []
            return issues.contains { $0.key == "kafka.sasl" && $0.message.contains("password") }
        }
        environment = Self.scramEnvironment()
        environment["DANCU_KAFKA_SECURITY_PROTOCOL"] = "plaintext"
        #expect {
            try GatewayConfiguration.load(path: GatewayTestBed.shippedConfiguration, environment: environment)
        } throws: { error in
            (error as? ConfigurationError)?.issues.contains { $0.key == "kafka.tls" } == true
        }
    }

    @Test func checkConfigMasksEverySecret() throws {
        let (status, text) = try runCheckConfig(path: GatewayTestBed.shippedConfiguration)
        #expect(status == 0, "\(text)")
        #expect(text.contains("dancu-gateway-angiang"), "the effective configuration is printed")
        #expect(text.contains(Secret.mask))
        for (name, secret) in Self.secrets {
            #expect(!text.contains(secret), "\(name) printed by check-config")
        }
    }

    /// librdkafka properties given by name are printed masked when their name looks like a secret's, and a
    /// value librdkafka refuses is not echoed in the problem when it may be one.
    @Test func checkConfigMasksSecretLookingKafkaProperties() throws {
        let secrets = [
            "sasl.password": "props-sasl-pass-41c9",
            "ssl.key.password": "props-key-pass-77ab",
            "ssl.keystore.password": "props-keystore-pass-0e1f",
            "sasl.oauthbearer.config": "principal=portal props-oauth-config-5d2a",
            "sasl.kerberos.keytab": "/etc/dancu/props-keytab-93be",
            "ssl.key.pem": "props-inline-key-c3d8",
        ]
        let properties = secrets.map { "    \($0.key): \"\($0.value)\"" }.sorted().joined(separator: "\n")
        let (status, text) = try runCheckConfig(kafkaProperties: properties + "\n    compression.type: lz4")
        #expect(status == 0, "\(text)")
        #expect(text.contains("compression.type: lz4"), "a property that is no secret is printed as it is")
        #expect(text.contains("sasl.password: '\(Secret.mask)'") || text.contains("sasl.password: \(Secret.mask)"))
        for (name, secret) in secrets {
            #expect(!text.contains(secret), "\(name) printed by check-config")
        }

        let refused = "props-refused-value-6a1b"
        let (refusedStatus, refusedText) = try runCheckConfig(
            kafkaProperties: "    sasl.oauthbearer.method: \(refused)"
        )
        #expect(refusedStatus == 78, "\(refusedText)")
        #expect(refusedText.contains("sasl.oauthbearer.method"), "the problem names the key")
        #expect(!refusedText.contains(refused), "the refused value is not echoed")
    }

    /// `check-config` on the shipped configuration with `properties` replacing the Kafka section's `properties: {}`.
    private func runCheckConfig(kafkaProperties: String) throws -> (Int32, String) {
        let shipped = try String(contentsOfFile: GatewayTestBed.shippedConfiguration, encoding: .utf8)
        #expect(shipped.components(separatedBy: "\n  properties: {}\n").count == 2)
        let yaml = shipped.replacingOccurrences(
            of: "\n  properties: {}\n",
            with: "\n  properties:\n\(kafkaProperties)\n"
        )
        let file = FileManager.default.temporaryDirectory.appending(path: "check-config-\(UUID().uuidString).yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        return try runCheckConfig(path: file.path)
    }

    /// `check-config --config path` with the SCRAM secrets in its environment: its status and all it printed.
    private func runCheckConfig(path: String) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(filePath: CommandLineTests.gateway)
        process.arguments = ["check-config", "--config", path]
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("DANCU_") }
            .merging(Self.scramEnvironment()) { $1 }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let printed =
            output.fileHandleForReading.readDataToEndOfFile() + errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: printed, as: UTF8.self))
    }

    /// librdkafka's own configuration dump (debug `conf`) goes through the gateway's logger: it must not
    /// carry the SASL password or the key password.
    @Test func kafkaClientLogsCarryNoSecret() async throws {
        let (configuration, _) = try GatewayConfiguration.load(
            path: GatewayTestBed.shippedConfiguration,
            environment: Self.scramEnvironment()
        )
        let lines = LoggedLines()
        var properties = configuration.kafka.producerClientProperties(bootstrapServers: ["127.0.0.1:1"])
        properties["debug"] = "conf,security"
        let producer = try KafkaProducer(
            properties: properties,
            logger: Logger(label: "test") { _ in CapturingLogHandler(lines: lines) }
        )
        // librdkafka logs from its own threads: wait, bounded, for its configuration dump to arrive.
        await lines.awaitLine(containing: "sasl.mechanism", within: .seconds(10))
        await producer.close(flushTimeout: .milliseconds(200))
        let logged = lines.all
        #expect(logged.contains { $0.contains("sasl.mechanism") }, "librdkafka logged its configuration")
        for secret in Self.secrets.values {
            #expect(!logged.contains { $0.contains(secret) })
        }
    }
}

/// Every line logged, message and metadata, at every level, also delivered as they come.
final class LoggedLines: Sendable {
    private let lines = Mutex<[String]>([])
    private let (arrivals, arrival) = AsyncStream.makeStream(of: String.self)

    var all: [String] { lines.withLock { $0 } }

    func append(_ line: String) {
        lines.withLock { $0.append(line) }
        arrival.yield(line)
    }

    /// Returns once a line containing `text` has been logged, or when `limit` has passed.
    func awaitLine(containing text: String, within limit: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { for await line in self.arrivals where line.contains(text) { return } }
            group.addTask { try? await Task.sleep(for: limit) }
            await group.next()
            group.cancelAll()
        }
    }
}

struct CapturingLogHandler: LogHandler {
    let lines: LoggedLines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lines.append("\(event.message) \(metadata.merging(event.metadata ?? [:]) { $1 })")
    }
}
