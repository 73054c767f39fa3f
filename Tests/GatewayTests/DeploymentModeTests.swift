import DanCuConfig
import Gateway
import Operations
import Testing

/// Fail closed: development stand-ins start only when asked for or when nothing real is configured, always
/// together; a half-configured gateway refuses to start, naming what is missing.
@Suite struct DeploymentModeTests {
    static let kafka = ["DANCU_KAFKA_BOOTSTRAP_SERVERS": "kafka-1.phutho.gov.vn:9093"]
    static let database = [
        "DANCU_POPULATION_DB_URL": "https://csdldc.example.gov.vn/dancu/ws",
        "DANCU_POPULATION_DB_SECRET": "popdb-secret-91d0e2",
    ]

    static func load(
        _ environment: [String: String],
        development: Bool = false
    ) throws(ConfigurationError) -> GatewayConfiguration {
        try GatewayConfiguration.load(
            path: ShippedConfiguration.path,
            environment: environment,
            developmentRequested: development
        ).0
    }

    static func issues(_ environment: [String: String], development: Bool = false) -> [ConfigurationError.Issue] {
        do {
            _ = try load(environment, development: development)
            return []
        } catch {
            return error.issues
        }
    }

    @Test func nothingConfiguredIsDevelopmentAndBothConfiguredIsProduction() throws {
        #expect(try Self.load([:]).mode == .development)
        #expect(try Self.load(Self.kafka.merging(Self.database) { $1 }).mode == .production)
        #expect(try Self.load([:], development: true).mode == .development)
        #expect(try Self.load(["DANCU_EMBEDDED_ENABLED": "true"]).mode == .development)
    }

    @Test func kafkaWithoutTheDatabaseNamesTheMissingURLAndItsVariable() {
        let issues = Self.issues(Self.kafka)
        #expect(issues.count == 1)
        let issue = issues.first
        #expect(issue?.key == "populationDb.url")
        #expect(issue?.message.contains("DANCU_POPULATION_DB_URL") == true)
    }

    @Test func theDatabaseWithoutKafkaNamesTheMissingServers() {
        #expect(Self.issues(Self.database).map(\.key) == ["kafka.bootstrapServers"])
    }

    @Test func developmentTurnedOffNeedsBoth() {
        #expect(
            Self.issues(["DANCU_EMBEDDED_ENABLED": "false"]).map(\.key).sorted() == [
                "kafka.bootstrapServers", "populationDb.url",
            ]
        )
    }

    /// Never one stand-in without the other: development mode asked for beside a real service is a mistake.
    @Test func developmentAskedForBesideARealServiceIsRefused() {
        #expect(Self.issues(Self.kafka, development: true).map(\.key) == ["kafka.bootstrapServers"])
        #expect(Self.issues(Self.database, development: true).map(\.key) == ["populationDb.url"])
    }

    @Test func aPlaintextDatabaseURLIsRefusedUnlessAllowed() throws {
        var environment = Self.kafka.merging(Self.database) { $1 }
        environment["DANCU_POPULATION_DB_URL"] = "http://csdldc.example.gov.vn/dancu/ws"
        let issues = Self.issues(environment)
        #expect(issues.count == 1)
        #expect(issues.first?.key.hasPrefix("populationDb.url") == true)
        #expect(issues.first?.message.contains("allowPlaintext") == true)
        environment["DANCU_POPULATION_DB_ALLOW_PLAINTEXT"] = "true"
        #expect(try Self.load(environment).mode == .production)
    }
}
