import DanCuConfig
import Kafka
import Testing

@testable import Gateway

@Suite struct KafkaConfigurationTests {
    @Test func producerIsIdempotentWithOneRequestInFlightUnlessOverriddenByName() {
        var configuration = KafkaConfiguration()
        configuration.linger = .milliseconds(0)
        let defaults = configuration.producerClientProperties(bootstrapServers: ["127.0.0.1:9092"])
        #expect(defaults["enable.idempotence"] == "true")
        #expect(defaults["acks"] == "all")
        #expect(defaults["max.in.flight.requests.per.connection"] == "1")
        #expect(defaults["linger.ms"] == "0")
        #expect(defaults["bootstrap.servers"] == "127.0.0.1:9092")

        configuration.producerProperties = ["max.in.flight.requests.per.connection": "5", "linger.ms": "20"]
        let overridden = configuration.producerClientProperties(bootstrapServers: ["127.0.0.1:9092"])
        #expect(overridden["max.in.flight.requests.per.connection"] == "5")
        #expect(overridden["linger.ms"] == "20")
        #expect(
            configuration.consumerClientProperties(bootstrapServers: ["127.0.0.1:9092"])[
                "max.in.flight.requests.per.connection"
            ] == nil
        )
    }

    @Test func lingerKeepsItsFractionOfAMillisecond() {
        var configuration = KafkaConfiguration()
        configuration.linger = ConfigDuration(parsing: "0.25ms")!
        #expect(configuration.producerClientProperties(bootstrapServers: ["127.0.0.1:9092"])["linger.ms"] == "0.25")
        configuration.linger = .milliseconds(2)
        #expect(configuration.producerClientProperties(bootstrapServers: ["127.0.0.1:9092"])["linger.ms"] == "2")
    }

    /// A member learns of a rebalance at its next heartbeat: the shipped second, not librdkafka's 3 s, and never
    /// so slow that the coordinator would drop the member between two of them.
    @Test func heartbeatIsSentEverySecondAndKeptWellInsideTheSession() throws {
        let (shipped, _) = try GatewayConfiguration.load(path: ShippedConfiguration.path, environment: [:])
        #expect(
            shipped.kafka.consumerClientProperties(bootstrapServers: ["127.0.0.1:9092"])["heartbeat.interval.ms"]
                == "1000"
        )
        let (chaos, _) = try GatewayConfiguration.load(
            path: ShippedConfiguration.path,
            environment: ["DANCU_KAFKA_SESSION_TIMEOUT": "6s", "DANCU_KAFKA_HEARTBEAT_INTERVAL": "2s"]
        )
        #expect(chaos.kafka.heartbeatInterval == .seconds(2))
        let error = #expect(throws: ConfigurationError.self) {
            try GatewayConfiguration.load(
                path: ShippedConfiguration.path,
                environment: ["DANCU_KAFKA_SESSION_TIMEOUT": "6s", "DANCU_KAFKA_HEARTBEAT_INTERVAL": "3s"]
            )
        }
        #expect(error?.issues.map(\.key) == ["kafka.heartbeatInterval (from DANCU_KAFKA_HEARTBEAT_INTERVAL)"])
    }
}
