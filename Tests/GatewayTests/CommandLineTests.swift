import Foundation
import Kafka
import Logging
import Testing

/// The commands as a newcomer runs them: `dev-kafka` with kcat on the other side, and the demo.
@Suite(.serialized, .timeLimit(.minutes(4))) struct CommandLineTests {
    static let gateway = GatewayTestBed.repositoryRoot.appending(path: ".build/debug/dancu-gateway").path

    /// Starts a command and returns it with its standard output's lines as they come.
    static func start(_ arguments: [String]) throws -> (Process, AsyncStream<String>) {
        let process = Process()
        process.executableURL = URL(filePath: gateway)
        process.arguments = arguments
        process.currentDirectoryURL = GatewayTestBed.repositoryRoot
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("DANCU_") }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let (lines, continuation) = AsyncStream.makeStream(of: String.self)
        output.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            guard !data.isEmpty else {
                handle.readabilityHandler = nil
                continuation.finish()
                return
            }
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") { continuation.yield(String(line)) }
        }
        try process.run()
        return (process, lines)
    }

    static func kcat(_ arguments: [String], input: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(filePath: "/usr/bin/kcat")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        let inputPipe = Pipe()
        process.standardInput = inputPipe
        try process.run()
        if let input { inputPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try inputPipe.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "kcat \(arguments.joined(separator: " "))")
        return String(decoding: data, as: UTF8.self)
    }

    @Test func kcatAndTheKafkaLayerTalkThroughDevKafka() async throws {
        let (process, lines) = try Self.start(["dev-kafka", "--brokers", "2", "--topic", "to-swift:2", "--topic", "to-kcat:2"])
        var iterator = lines.makeAsyncIterator()
        let first = try #require(await iterator.next())
        #expect(first.hasPrefix("bootstrap: "))
        let bootstrap = String(first.dropFirst("bootstrap: ".count))

        // kcat produces, the Kafka layer consumes.
        _ = try Self.kcat(["-b", bootstrap, "-P", "-t", "to-swift", "-k", "k1", "-H", "origin=kcat"], input: "from kcat\n")
        var logger = Logger(label: "cli-test")
        logger.logLevel = .error
        let consumer = try KafkaConsumer(
            properties: ["bootstrap.servers": bootstrap, "group.id": "cli-\(UUID().uuidString)", "auto.offset.reset": "earliest"],
            logger: logger
        )
        try consumer.subscribe(topics: ["to-swift"])
        var received: KafkaMessage?
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(120))
        while received == nil, clock.now < deadline {
            for event in try await consumer.poll(timeout: .milliseconds(100)) {
                if case .messages(let messages) = event { received = messages.first }
            }
        }
        await consumer.close()
        #expect(received?.value == Array("from kcat".utf8))
        #expect(received?.key == Array("k1".utf8))
        #expect(received?.headers.first(named: "origin")?.stringValue == "kcat")

        // The Kafka layer produces, kcat consumes.
        let producer = try KafkaProducer(properties: ["bootstrap.servers": bootstrap], logger: logger)
        _ = try await producer.send(KafkaRecord(topic: "to-kcat", key: Array("k2".utf8), value: Array("from swift".utf8), headers: [KafkaHeader(name: "origin", string: "swift")]))
        await producer.close(flushTimeout: .seconds(5))
        let consumed = try Self.kcat(["-b", bootstrap, "-C", "-t", "to-kcat", "-o", "beginning", "-c", "1", "-f", "%k|%h|%s\n", "-q"])
        #expect(consumed == "k2|origin=swift|from swift\n")

        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "dev-kafka stops cleanly on SIGTERM")
    }

    @Test func theDemoChecksEveryOutcomeAndPasses() async throws {
        let (process, lines) = try Self.start(["demo", "--requests", "300", "--rate", "100"])
        var output: [String] = []
        for await line in lines { output.append(line) }
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(output.suffix(20).joined(separator: "\n"))")
        #expect(output.contains { $0.hasPrefix("result") && $0.hasSuffix("PASSED") })
        #expect(output.contains { $0.hasPrefix("correct") && $0.hasSuffix("300") })
    }
}
