import ArgumentParser
import DanCuConfig
import DanCuContract
import DevelopmentEnvironment
import Foundation
import Gateway
import Kafka
import Logging
import SyntheticPopulation

/// The cache-hit path: how fast the gateway turns requests it can answer from its cache into published
/// outcomes, against kcat piping the same messages from the request topics to another topic on the same
/// embedded cluster. Both rates come from the broker timestamps of what each wrote (first to last record),
/// so neither includes joining a consumer group.
struct CachePath: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache-path",
        abstract:
            "Outcomes per second when every request is a cache hit, against a raw kcat consume→produce pipe of the same messages."
    )

    @Option(help: "Requests in the backlog, spread over the three portals.")
    var messages = 60_000

    @Option(help: "Distinct citizens the requests are about; only the first request about each one misses the cache.")
    var citizens = 200

    @Option(help: "Partitions per topic (a mock partition keeps at most 5 MiB).")
    var partitions: Int32 = 8

    @Option(help: "The gateway configuration whose portals, procedures and limits are used.")
    var config = "Config/gateway.yaml"

    func validate() throws {
        guard messages > 0, citizens > 0, citizens <= messages else {
            throw ValidationError("need 0 < citizens <= messages")
        }
        // About 300 bytes a request over three portals' topics.
        guard messages * 300 / (3 * Int(partitions)) < 5 * 1024 * 1024 else {
            throw ValidationError("the backlog exceeds the mock cluster's 5 MiB per partition: add partitions")
        }
    }

    func run() async throws {
        let logger = Logger(label: "dancu-bench") { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .error
            return handler
        }
        let settings = [
            "DANCU_KAFKA_GROUP_ID": "bench-gateway",
            "DANCU_ADMIN_PORT": "0",
            "DANCU_LOG_LEVEL": "error",
            "DANCU_EMBEDDED_BROKERS": "3",
            "DANCU_EMBEDDED_PARTITIONS": String(partitions),
            // Only the warm-up reaches the database; it answers at once.
            "DANCU_EMBEDDED_LATENCY": "0ms",
            "DANCU_EMBEDDED_LATENCY_P99": "0ms",
        ]
        // DANCU_* variables of the caller override these, for experiments with the gateway's settings.
        let overrides = ProcessInfo.processInfo.environment.filter { $0.key.hasPrefix("DANCU_") }
        let (configuration, rules) = try GatewayConfiguration.load(
            path: config,
            environment: settings.merging(overrides) { $1 },
            developmentRequested: true
        )
        let environment = try await DevelopmentEnvironment.start(
            configuration: configuration,
            rules: rules,
            logger: logger
        )
        let cluster = environment.cluster
        let runtime = GatewayRuntime(configuration: configuration, rules: rules, logger: logger)
        try cluster.createTopic(Self.pipeTopic, partitions: partitions)

        // One request per citizen fills the cache; the backlog after it is all hits.
        let warmUp = requests(count: citizens, idPrefix: "warm", configuration: configuration, rules: rules)
        let backlog = requests(count: messages, idPrefix: "bench", configuration: configuration, rules: rules)
        print(
            "backlog: \(messages) verify requests about \(citizens) citizens already cached, on \(rules.portals.count) portals, \(partitions) partitions each, 3 brokers (embedded)"
        )

        let outcomeTopics = rules.portals.map(rules.outcomeTopic(for:))
        let bootstrap = cluster.bootstrapServers
        let (results, resultContinuation) = AsyncStream.makeStream(of: (rate: Double, cpu: Duration).self)
        try await runtime.run(
            connections: environment.connections,
            companions: environment.companions,
            handlesSignals: false,
            announce: { _ in }
        ) { _, _ in
            let outcomes = try OutcomeReader(topics: outcomeTopics, bootstrap: bootstrap, logger: logger)
            try await publish(warmUp, to: bootstrap, logger: logger)
            _ = try await outcomes.writeRate(count: warmUp.count)
            let cpuBefore = processCPUTime()
            try await publish(backlog, to: bootstrap, logger: logger)
            let rate = try await outcomes.writeRate(count: backlog.count)
            resultContinuation.yield((rate, processCPUTime() - cpuBefore))
            await outcomes.close()
            // Returning shuts the gateway down.
        }
        resultContinuation.finish()
        var gateway = 0.0
        var cpu = Duration.zero
        for await result in results { (gateway, cpu) = result }

        // The same messages (warm-up and backlog), piped by kcat from the request topics to another topic.
        let requestCount = warmUp.count + backlog.count
        try pipeWithKcat(bootstrap: bootstrap, topics: rules.portals.map(rules.requestTopic(for:)), count: requestCount)
        let piped = try OutcomeReader(topics: [Self.pipeTopic], bootstrap: bootstrap, logger: logger)
        let pipe = try await piped.writeRate(count: requestCount)
        await piped.close()
        print(String(format: "kcat pipe (consume→produce)   %9.0f msg/s", pipe))
        print(String(format: "gateway, cache hits           %9.0f outcomes/s   ratio %.2f", gateway, gateway / pipe))
        // Steadier than the rates on a shared machine: what the backlog cost this process (gateway, mock
        // brokers, the publisher and the reader), whatever else the machine was doing.
        print(String(format: "process CPU per outcome       %9.1f µs", cpu / .microseconds(1) / Double(messages)))
        print("(rates from the first to the last record each wrote, by broker timestamp)")
    }

    static let pipeTopic = "bench-pipe"

    /// Valid verify requests, as portals send them, about the first `citizens` of the simulator's population.
    private func requests(
        count: Int,
        idPrefix: String,
        configuration: GatewayConfiguration,
        rules: ContractRules
    )
        -> [KafkaRecord]
    {
        let population = SyntheticPopulation(seed: configuration.embedded.seed, size: configuration.embedded.citizens)
        let people = (0..<citizens).map { population.citizen(at: $0 * 97 % population.size) }
        return (0..<count).map { index in
            let citizen = people[index % people.count]
            let portal = rules.portals[index % rules.portals.count]
            let requestId = "\(idPrefix)-\(index)"
            let json = """
                {"requestId":"\(requestId)","type":"verify","channel":"batch","citizen":{"fullName":"\(citizen.fullName)",\
                "idNumber":"\(citizen.idNumber)","dateOfBirth":"\(citizen.dateOfBirth.displayText)"}}
                """
            return KafkaRecord(
                topic: rules.requestTopic(for: portal),
                key: Array(requestId.utf8),
                value: Array(json.utf8)
            )
        }
    }

    /// kcat reads the request topics from the beginning and writes every value to the pipe topic, with the
    /// producer settings the gateway uses (idempotent, acks=all).
    private func pipeWithKcat(bootstrap: String, topics: [String], count: Int) throws {
        let consume = Process()
        consume.executableURL = URL(filePath: "/usr/bin/kcat")
        consume.arguments =
            [
                "-b", bootstrap, "-G", "bench-kcat-\(UUID().uuidString)", "-X", "auto.offset.reset=earliest",
                "-c", String(count), "-q", "-f", "%s\n",
            ] + topics
        let produce = Process()
        produce.executableURL = URL(filePath: "/usr/bin/kcat")
        produce.arguments = [
            "-b", bootstrap, "-P", "-t", Self.pipeTopic, "-X", "enable.idempotence=true", "-X", "acks=all",
            "-X", "linger.ms=2",
        ]
        let pipe = Pipe()
        consume.standardOutput = pipe
        produce.standardInput = pipe
        produce.standardOutput = FileHandle.nullDevice
        try produce.run()
        try consume.run()
        consume.waitUntilExit()
        try pipe.fileHandleForWriting.close()
        produce.waitUntilExit()
        guard consume.terminationStatus == 0, produce.terminationStatus == 0 else {
            throw ValidationError(
                "the kcat pipe failed (consumer \(consume.terminationStatus), producer \(produce.terminationStatus))"
            )
        }
    }
}

private func publish(_ records: [KafkaRecord], to bootstrap: String, logger: Logger) async throws {
    let producer = try KafkaProducer(properties: ["bootstrap.servers": bootstrap, "linger.ms": "5"], logger: logger)
    for result in await producer.sendAll(records) { _ = try result.get() }
    await producer.close(flushTimeout: .seconds(30))
}

/// Reads what the gateway (or kcat) wrote, in a group of its own from the beginning of the topics.
private struct OutcomeReader {
    let consumer: KafkaConsumer

    init(topics: [String], bootstrap: String, logger: Logger) throws {
        consumer = try KafkaConsumer(
            properties: [
                "bootstrap.servers": bootstrap, "group.id": "bench-reader-\(UUID().uuidString)",
                "auto.offset.reset": "earliest", "fetch.wait.max.ms": "10",
            ],
            logger: logger
        )
        try consumer.subscribe(topics: topics)
    }

    /// Reads the next `count` records and returns the rate at which they were written: count over the span
    /// between their earliest and latest timestamps.
    func writeRate(count: Int) async throws -> Double {
        var received = 0
        var earliest = Int64.max
        var latest = Int64.min
        while received < count {
            for case .messages(let batch) in try await consumer.poll(
                maxMessages: min(10_000, count - received),
                timeout: .milliseconds(100)
            ) {
                received += batch.count
                for timestamp in batch.compactMap(\.timestampMilliseconds) {
                    earliest = min(earliest, timestamp)
                    latest = max(latest, timestamp)
                }
            }
        }
        return Double(count) / max(0.001, Double(latest - earliest) / 1000)
    }

    func close() async { await consumer.close() }
}

/// CPU time used by this process so far, all threads.
private func processCPUTime() -> Duration {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return .seconds(time.tv_sec) + .nanoseconds(time.tv_nsec)
}
