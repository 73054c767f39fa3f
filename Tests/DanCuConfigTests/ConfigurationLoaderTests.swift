import DanCuConfig
import Testing

/// A small configuration shaped like the gateway's, to exercise the loader's rules.
private struct SampleConfiguration: Decodable, Encodable, Equatable {
    struct Kafka: Decodable, Encodable, Equatable {
        var bootstrapServers: [String] = []
        var lingerMs = 5
        var properties: [String: String] = [:]
        var sessionTimeout = ConfigDuration.seconds(45)
        var password: Secret?

        init() {}

        init(from decoder: any Decoder) throws {
            let section = try ConfigSection(decoder, keys: CodingKeys.self)
            let defaults = Self()
            bootstrapServers = section.value(.bootstrapServers, default: defaults.bootstrapServers)
            lingerMs = section.value(.lingerMs, default: defaults.lingerMs, "must be 0 or more") { $0 >= 0 }
            properties = section.value(.properties, default: defaults.properties)
            sessionTimeout = section.value(.sessionTimeout, default: defaults.sessionTimeout)
            password = section.optional(.password)
        }
    }

    struct Portal: Decodable, Encodable, Equatable {
        var id = ""
        var weight = 1

        init(from decoder: any Decoder) throws {
            let section = try ConfigSection(decoder, keys: CodingKeys.self)
            id = section.value(.id, default: "")
            weight = section.value(.weight, default: 1, "must be positive") { $0 > 0 }
            if id.isEmpty { section.report(.id, "is required") }
        }
    }

    var kafka = Kafka()
    var portals: [Portal] = []

    init(from decoder: any Decoder) throws {
        let section = try ConfigSection(decoder, keys: CodingKeys.self)
        kafka = section.value(.kafka, default: Kafka())
        portals = section.value(.portals, default: [])
    }
}

@Suite struct ConfigurationLoaderTests {
    @Test func readsValuesAndKeepsDefaultsForAbsentKeys() throws {
        let configuration = try ConfigurationLoader.load(
            SampleConfiguration.self,
            yaml: """
                kafka:
                  bootstrapServers: [a:9092, b:9092]
                  properties: {compression.type: lz4}
                  sessionTimeout: 500ms
                portals:
                  - id: angiang
                    weight: 2
                """,
            environment: [:]
        )
        #expect(configuration.kafka.bootstrapServers == ["a:9092", "b:9092"])
        #expect(configuration.kafka.lingerMs == 5)
        #expect(configuration.kafka.properties == ["compression.type": "lz4"])
        #expect(configuration.kafka.sessionTimeout == .milliseconds(500))
        #expect(configuration.portals.map(\.id) == ["angiang"])
        #expect(configuration.portals.first?.weight == 2)
    }

    @Test func environmentOverridesFileAndSplitsLists() throws {
        let configuration = try ConfigurationLoader.load(
            SampleConfiguration.self,
            yaml: "kafka:\n  lingerMs: 5\nportals:\n  - id: phutho\n",
            environment: [
                "DANCU_KAFKA_LINGER_MS": "20",
                "DANCU_KAFKA_BOOTSTRAP_SERVERS": "x:1, y:2",
                "DANCU_KAFKA_PASSWORD": "s3cret",
                "DANCU_PORTALS_0_WEIGHT": "3",
            ]
        )
        #expect(configuration.kafka.lingerMs == 20)
        #expect(configuration.kafka.bootstrapServers == ["x:1", "y:2"])
        #expect(configuration.kafka.password?.value == "s3cret")
        #expect(configuration.portals.first?.weight == 3)
    }

    @Test func reportsEveryProblemWithItsKeyPath() {
        do {
            _ = try ConfigurationLoader.load(
                SampleConfiguration.self,
                yaml: """
                    kafka:
                      lingerMs: -1
                      sessionTimeout: soon
                      bootstrapServer: typo:9092
                    portals:
                      - weight: 0
                    extra: 1
                    """,
                environment: ["DANCU_KAFKA_LINGER": "1", "DANCU_WARNINGS_AS_ERRORS": "1"]
            )
            Issue.record("an invalid configuration loaded")
        } catch {
            let keys = Set(error.issues.map(\.key))
            #expect(
                keys == [
                    "kafka.lingerMs", "kafka.sessionTimeout", "kafka.bootstrapServer", "portals[0].weight",
                    "portals[0].id", "extra", "DANCU_KAFKA_LINGER",
                ]
            )
            #expect(error.issues.first { $0.key == "kafka.lingerMs" }?.message == "must be 0 or more")
            #expect(error.issues.first { $0.key == "extra" }?.message == "unknown key")
        }
    }

    @Test func namesTheVariableWhenTheBadValueCameFromTheEnvironment() {
        #expect {
            try ConfigurationLoader.load(
                SampleConfiguration.self,
                yaml: "",
                environment: ["DANCU_KAFKA_LINGER_MS": "many"]
            )
        } throws: { error in
            (error as? ConfigurationError)?.issues.map(\.key) == ["kafka.lingerMs"]
                && (error as? ConfigurationError)?.issues.first?.message.contains("'many'") == true
        }
    }

    @Test func rejectsMalformedYAMLAndDuplicateKeys() {
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(SampleConfiguration.self, yaml: "kafka: [unclosed", environment: [:])
        }
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(
                SampleConfiguration.self,
                yaml: "kafka:\n  lingerMs: 1\n  lingerMs: 2\n",
                environment: [:]
            )
        }
    }

    @Test func secretsNeverPrint() throws {
        let secret = Secret("hunter2")
        #expect("\(secret)" == Secret.mask)
        #expect(String(reflecting: secret) == Secret.mask)
        #expect(secret.value == "hunter2")
    }

    @Test(arguments: [
        ("500ms", 0.5), ("0.5ms", 0.0005), ("1.5ms", 0.0015), ("30s", 30), ("2m", 120), ("24h", 86400),
        ("7d", 604_800), ("1.5", 1.5), ("0", 0),
    ])
    func parsesDurations(text: String, seconds: Double) throws {
        let duration = try #require(ConfigDuration(parsing: text))
        #expect(abs(duration.seconds - seconds) < 1e-9)
        #expect(ConfigDuration(parsing: duration.description) == duration)
    }

    @Test(arguments: ["", "soon", "-1s", "5 parsecs", "ms"])
    func rejectsNonDurations(text: String) {
        #expect(ConfigDuration(parsing: text) == nil)
    }
}
