import ArgumentParser
import DanCuConfig
import DurationUnits
import Foundation
import Kafka
import Logging

/// `dancu-bench`: measurements recorded in BENCHMARKS.md, each against a reference run in the same process.
@main
struct DancuBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dancu-bench",
        abstract: "Benchmarks of DanCu Gateway's parts against reference tools on the same machine.",
        version: BuildVersion.current,
        subcommands: [KafkaThroughput.self, CachePath.self]
    )
}

/// Raw produce and consume rates of the Kafka layer and of kcat, same messages, same embedded cluster.
struct KafkaThroughput: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka",
        abstract:
            "Produce and consume N messages with kcat and with the Kafka layer on one embedded cluster; print both rates and their ratio."
    )

    @Option(help: "Messages per run.")
    var messages = 200_000

    @Option(help: "Bytes per message value.")
    var size = 200

    @Option(
        help: "Partitions per topic (a mock partition keeps at most 5 MiB: keep messages*size/partitions below it)."
    )
    var partitions: Int32 = 16

    @Option(help: "Repetitions; the best run of each tool is reported.")
    var repeats = 3

    func validate() throws {
        guard messages * (size + 60) / Int(partitions) < 5 * 1024 * 1024 else {
            throw ValidationError(
                "messages*size/partitions exceeds the mock cluster's 5 MiB per partition: add partitions"
            )
        }
    }

    func run() async throws {
        var logger = Logger(label: "dancu-bench")
        logger.logLevel = ProcessInfo.processInfo.environment["BENCH_DEBUG"] == nil ? .error : .debug
        let cluster = try EmbeddedKafkaCluster(brokers: 3, logger: logger)
        let bootstrap = cluster.bootstrapServers
        let payload = String(repeating: "x", count: size)
        let lines = (0..<messages).map { "\($0):\(payload.dropFirst(String($0).count + 1))" }
        let file = FileManager.default.temporaryDirectory.appending(path: "dancu-bench-\(UUID().uuidString).txt")
        try lines.joined(separator: "\n").appending("\n").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        // The same producer settings for both: idempotent, acks=all, 5 ms linger.
        let producerSettings = ["enable.idempotence": "true", "acks": "all", "linger.ms": "5"]

        var results: [String: (produce: Double, consume: Double)] = [:]
        for round in 0..<repeats {
            let kcatTopic = "bench-kcat-\(round)"
            let swiftTopic = "bench-swift-\(round)"
            try cluster.createTopic(kcatTopic, partitions: partitions)
            try cluster.createTopic(swiftTopic, partitions: partitions)

            let kcatProduce = try timed {
                try runKcat(
                    ["-b", bootstrap, "-P", "-t", kcatTopic, "-l", file.path]
                        + producerSettings.flatMap { ["-X", "\($0.key)=\($0.value)"] }
                )
            }
            let swiftProduce = try await timedAsync {
                var properties = producerSettings
                properties["bootstrap.servers"] = bootstrap
                if let debug = ProcessInfo.processInfo.environment["BENCH_DEBUG"] { properties["debug"] = debug }
                let producer = try KafkaProducer(properties: properties, logger: logger)
                // All in flight at once, as kcat has them: acknowledgements are awaited together.
                let results = await producer.sendAll(
                    lines.map { KafkaRecord(topic: swiftTopic, value: Array($0.utf8)) }
                )
                if let failure = results.first(where: { (try? $0.get()) == nil }) { _ = try failure.get() }
                await producer.close(flushTimeout: .seconds(30))
            }
            // Both consume the same (kcat-produced) topic, each in a new group, until every message is read.
            let kcatConsume = try timed {
                try runKcat([
                    "-b", bootstrap, "-G", "kcat-\(UUID().uuidString)", "-c", String(messages), "-q", "-o", "beginning",
                    "-f", "", kcatTopic,
                ])
            }
            let swiftConsume = try await timedAsync {
                let consumer = try KafkaConsumer(
                    properties: [
                        "bootstrap.servers": bootstrap, "group.id": "swift-\(UUID().uuidString)",
                        "auto.offset.reset": "earliest",
                    ],
                    logger: logger
                )
                try consumer.subscribe(topics: [kcatTopic])
                var received = 0
                while received < messages {
                    for event in try await consumer.poll(maxMessages: 10_000, timeout: .milliseconds(100)) {
                        if case .messages(let batch) = event { received += batch.count }
                    }
                }
                await consumer.close()
            }
            func best(_ tool: String, _ produce: Double, _ consume: Double) {
                let previous = results[tool] ?? (0, 0)
                results[tool] = (
                    max(previous.produce, Double(messages) / produce), max(previous.consume, Double(messages) / consume)
                )
            }
            best("kcat", kcatProduce, kcatConsume)
            best("kafka-layer", swiftProduce, swiftConsume)
        }
        let kcat = results["kcat"] ?? (1, 1)
        let ours = results["kafka-layer"] ?? (0, 0)
        print("messages: \(messages) x \(size) B, \(partitions) partitions, 3 brokers (embedded), best of \(repeats)")
        print(
            String(
                format: "produce  kcat %9.0f msg/s   kafka-layer %9.0f msg/s   ratio %.2f",
                kcat.produce,
                ours.produce,
                ours.produce / kcat.produce
            )
        )
        print(
            String(
                format: "consume  kcat %9.0f msg/s   kafka-layer %9.0f msg/s   ratio %.2f",
                kcat.consume,
                ours.consume,
                ours.consume / kcat.consume
            )
        )
        print("(consume times include joining the consumer group, for both tools)")
    }

    private func runKcat(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(filePath: "/usr/bin/kcat")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError("kcat \(arguments.joined(separator: " ")) failed")
        }
    }

    private func timed(_ body: () throws -> Void) throws -> Double {
        let start = ContinuousClock.now
        try body()
        return start.duration(to: .now).inSeconds
    }

    private func timedAsync(_ body: () async throws -> Void) async throws -> Double {
        let start = ContinuousClock.now
        try await body()
        return start.duration(to: .now).inSeconds
    }
}
