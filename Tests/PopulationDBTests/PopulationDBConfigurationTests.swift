import DanCuConfig
import Testing

@testable import PopulationDB

/// The `populationDb` section as the gateway's configuration file holds it.
private struct File: Decodable, Encodable {
    var populationDb: PopulationDBConfiguration

    init(from decoder: any Decoder) throws {
        let section = try ConfigSection(decoder, keys: CodingKeys.self)
        populationDb = section.value(.populationDb, default: PopulationDBConfiguration())
    }
}

@Suite("populationDb configuration")
struct PopulationDBConfigurationTests {
    @Test("an absent section gives the documented defaults")
    func defaults() throws {
        let configuration = try ConfigurationLoader.load(File.self, yaml: "{}", environment: [:]).populationDb
        #expect(configuration.url == nil)
        #expect(configuration.username == "dancu-gateway")
        #expect(configuration.secret == nil)
        #expect(configuration.requestTimeout == .seconds(10))
        #expect(configuration.connectTimeout == .seconds(2))
        #expect(configuration.maxRetryAfter == .seconds(60))
        #expect(configuration.quota.requestsPerSecond == 50)
        #expect(configuration.quota.burst <= configuration.quota.requestsPerSecond)
    }

    @Test("values from the file and the secret from the environment")
    func values() throws {
        let yaml = """
            populationDb:
              url: https://dancu.example.gov.vn/dancu/ws
              integrationCode: TICH-HOP-89
              requestTimeout: 1500ms
              maxRetryAfter: 2m
              tls: {caFile: /etc/dancu/ca.pem, certificateFile: /etc/dancu/client.pem, privateKeyFile: /etc/dancu/client.key}
              quota: {requestsPerSecond: 200, burst: 20, maxInFlight: 64}
            """
        let configuration = try ConfigurationLoader.load(
            File.self,
            yaml: yaml,
            environment: ["DANCU_POPULATION_DB_SECRET": "s3cret"]
        ).populationDb
        #expect(configuration.url == "https://dancu.example.gov.vn/dancu/ws")
        #expect(configuration.secret?.value == "s3cret")
        #expect(configuration.requestTimeout == .milliseconds(1500))
        #expect(configuration.maxRetryAfter == .seconds(120))
        #expect(configuration.tls.privateKeyFile == "/etc/dancu/client.key")
        #expect(configuration.quota.requestsPerSecond == 200 && configuration.quota.burst == 20)
        #expect(configuration.quota.maxInFlight == 64)
    }

    @Test("every problem is reported with its key")
    func problems() {
        let yaml = """
            populationDb:
              url: dancu.example.gov.vn
              username: "a:b"
              requestTimeout: 0s
              maxRetryAfter: 0s
              tls: {certificateFile: /etc/dancu/client.pem}
              quota: {requestsPerSecond: 10, burst: 20, maxInFlight: 0}
            """
        let error = #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(File.self, yaml: yaml, environment: [:])
        }
        let keys = Set(error?.issues.map(\.key) ?? [])
        for key in [
            "populationDb.url", "populationDb.username", "populationDb.requestTimeout", "populationDb.maxRetryAfter",
            "populationDb.tls.privateKeyFile", "populationDb.quota.burst", "populationDb.quota.maxInFlight",
        ] {
            #expect(keys.contains(key), "\(key) in \(keys)")
        }
    }

    @Test("a URL needs a secret")
    func urlNeedsSecret() {
        let error = #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(
                File.self,
                yaml: "populationDb: {url: 'https://db:8443/dancu/ws'}",
                environment: [:]
            )
        }
        #expect(error?.issues.map(\.key) == ["populationDb.secret"])
    }

    /// Citizens' data crosses this link: plain HTTP only when a closed test network is declared.
    @Test("an http:// URL is refused unless plaintext is allowed")
    func plaintextRefusedUnlessAllowed() throws {
        let error = #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(
                File.self,
                yaml: "populationDb: {url: 'http://db:8080/dancu/ws', secret: s}",
                environment: [:]
            )
        }
        #expect(error?.issues.map(\.key) == ["populationDb.url"])
        #expect(error?.issues.first?.message.contains("allowPlaintext") == true)
        let allowed = try ConfigurationLoader.load(
            File.self,
            yaml: "populationDb: {url: 'http://db:8080/dancu/ws', secret: s, allowPlaintext: true}",
            environment: [:]
        )
        #expect(allowed.populationDb.allowPlaintext)
    }

    @Test("the secret never shows in the effective configuration")
    func secretMasked() throws {
        var configuration = PopulationDBConfiguration()
        configuration.secret = Secret("s3cret")
        let shown = String(describing: configuration)
        #expect(!shown.contains("s3cret"))
    }
}
