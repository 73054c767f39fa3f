import DanCuConfig
import Foundation
import Gateway
import Kafka
import Logging
import Operations
import PopulationDB
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The commands as a newcomer runs them: `dev-kafka` with kcat on the other side, and the demo.
@Suite(.serialized, .timeLimit(.minutes(4))) struct CommandLineTests {
    static let gateway = GatewayTestBed.executable("dancu-gateway")

    /// The environment of a newcomer's shell: none of the test runner's own `DANCU_*` settings.
    static func environment(_ extra: [String: String]) -> [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("DANCU_") }.merging(extra) { $1 }
    }

    /// A command run from the repository root, as the README's commands are.
    static func process(_ executable: String, _ arguments: [String], environment extra: [String: String]) -> Process {
        let process = Process()
        process.executableURL = URL(filePath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = GatewayTestBed.repositoryRoot
        process.environment = environment(extra)
        return process
    }

    /// Starts a command and returns it with its standard output's lines as they come.
    static func start(
        _ arguments: [String],
        environment extra: [String: String] = [:]
    ) throws -> (Process, AsyncStream<String>) {
        let process = process(gateway, arguments, environment: extra)
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
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
                continuation.yield(String(line))
            }
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
        let (process, lines) = try Self.start([
            "dev-kafka", "--brokers", "2", "--topic", "to-swift:2", "--topic", "to-kcat:2",
        ])
        var iterator = lines.makeAsyncIterator()
        let first = try #require(await iterator.next())
        #expect(first.hasPrefix("bootstrap: "))
        let bootstrap = String(first.dropFirst("bootstrap: ".count))

        // kcat produces, the Kafka layer consumes.
        _ = try Self.kcat(
            ["-b", bootstrap, "-P", "-t", "to-swift", "-k", "k1", "-H", "origin=kcat"],
            input: "from kcat\n"
        )
        var logger = Logger(label: "cli-test")
        logger.logLevel = .error
        let consumer = try KafkaConsumer(
            properties: [
                "bootstrap.servers": bootstrap, "group.id": "cli-\(UUID().uuidString)", "auto.offset.reset": "earliest",
            ],
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
        _ = try await producer.send(
            KafkaRecord(
                topic: "to-kcat",
                key: Array("k2".utf8),
                value: Array("from swift".utf8),
                headers: [KafkaHeader(name: "origin", string: "swift")]
            )
        )
        await producer.close(flushTimeout: .seconds(5))
        let consumed = try Self.kcat([
            "-b", bootstrap, "-C", "-t", "to-kcat", "-o", "beginning", "-c", "1", "-f", "%k|%h|%s\n", "-q",
        ])
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
        // It sends only once the gateway holds its partitions, so the report times the gateway, not the group's join.
        let ready = output.firstIndex { $0.hasPrefix("demo: gateway ready") }
        let firstProgress = output.firstIndex { $0.hasPrefix("  ") }
        #expect(ready != nil && (firstProgress == nil || ready! < firstProgress!))
    }

    /// Runs a command to its end: its exit status, standard output and standard error.
    static func runToEnd(
        _ executable: String,
        _ arguments: [String],
        environment extra: [String: String] = [:],
        input: String = ""
    ) async throws -> (status: Int32, output: String, errors: String) {
        let process = process(executable, arguments, environment: extra)
        let output = Pipe()
        let errors = Pipe()
        let inputPipe = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = inputPipe
        let exited = AsyncStream.makeStream(of: Int32.self)
        process.terminationHandler = { exited.continuation.yield($0.terminationStatus) }
        try process.run()
        inputPipe.fileHandleForWriting.write(Data(input.utf8))
        try inputPipe.fileHandleForWriting.close()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        let complained = errors.fileHandleForReading.readDataToEndOfFile()
        var statuses = exited.stream.makeAsyncIterator()
        let status = await statuses.next() ?? -1
        return (status, String(decoding: printed, as: UTF8.self), String(decoding: complained, as: UTF8.self))
    }

    @Test func everyCommandPrintsItsVersion() async throws {
        for name in ["dancu-gateway", "dancu-sim", "dancu-load", "dancu-bench"] {
            let result = try await Self.runToEnd(GatewayTestBed.executable(name), ["--version"])
            #expect(result.status == 0, "\(name)")
            #expect(result.output.trimmingCharacters(in: .whitespacesAndNewlines) == BuildVersion.current, "\(name)")
        }
    }

    /// The same configuration problem is the same exit status in `run` and `check-config`, with one line naming
    /// the missing key and its variable; nothing starts in its place.
    @Test func kafkaWithoutADatabaseStopsRunAndCheckConfigAlike() async throws {
        let environment = ["DANCU_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1", "DANCU_ADMIN_PORT": "0"]
        for command in ["run", "check-config"] {
            let result = try await Self.runToEnd(Self.gateway, [command], environment: environment)
            #expect(result.status == ExitStatus.configuration.rawValue, "\(command): \(result.errors)")
            let lines = result.errors.split(separator: "\n")
            #expect(lines.count == 1, "\(command): \(result.errors)")
            #expect(result.errors.contains("populationDb.url") && result.errors.contains("DANCU_POPULATION_DB_URL"))
            #expect(!result.output.contains("bootstrap:"), "\(command) started something")
        }
    }

    /// For portals' CI pipelines: `--strict` fails a request the gateway would refuse, not only a dead letter.
    @Test func validateStrictFailsRefusedRequests() async throws {
        let refused = #"{"requestId":"r1","type":"lookup","citizen":{"idNumber":"001090012345"}}"#
        let lenient = try await Self.runToEnd(Self.gateway, ["validate", "--portal", "angiang"], input: refused)
        #expect(lenient.status == 0, "\(lenient.output)\(lenient.errors)")
        // A lookup names its procedure: without one it is answered invalid_request, never sent on.
        #expect(lenient.output.contains("invalid_request"))
        let strict = try await Self.runToEnd(
            Self.gateway,
            ["validate", "--strict", "--portal", "angiang"],
            input: refused
        )
        #expect(strict.status == ExitStatus.checkFailed.rawValue)
        let notJSON = try await Self.runToEnd(Self.gateway, ["validate", "--portal", "angiang"], input: "{")
        #expect(notJSON.status == ExitStatus.checkFailed.rawValue)
    }

    /// `dancu-load` exits as every command does: a replay file it cannot read is an I/O failure, never the 1 of
    /// a run whose outcomes were wrong.
    @Test func loadToolExitsWithTheKindOfItsFailure() async throws {
        let missing = FileManager.default.temporaryDirectory.appending(path: "no-such-replay-\(UUID().uuidString)")
        let result = try await Self.runToEnd(
            GatewayTestBed.executable("dancu-load"),
            ["replay", "--bootstrap", "127.0.0.1:1", "--file", missing.path]
        )
        #expect(result.status == ExitStatus.ioError.rawValue, "\(result.errors)")
        #expect(result.errors.contains(missing.path))
    }

    /// The README's newcomer path: `run` on the development default, then `dancu-load generate` with nothing but
    /// the bootstrap, count and rate. The load tool must generate citizens of the simulator's population, the
    /// full quota must show on an idle instance soon after it holds its partitions, and every outcome is
    /// marked as development.
    @Test func developmentRunServesTheLoadToolsDefaultsAndMarksItsOutcomes() async throws {
        let adminPort = try freePort()
        let (process, lines) = try Self.start(["run"], environment: ["DANCU_ADMIN_PORT": String(adminPort)])
        defer { if process.isRunning { process.terminate() } }
        var iterator = lines.makeAsyncIterator()
        let first = try #require(await iterator.next())
        #expect(first.hasPrefix("bootstrap: "))
        let bootstrap = String(first.dropFirst("bootstrap: ".count))

        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(120))
        var status: GatewayStatus?
        var readyAt: ContinuousClock.Instant?
        while clock.now < deadline {
            status = try? await fetchStatus(port: adminPort)
            if let health = status?.health, health.ready, readyAt == nil { readyAt = clock.now }
            if let status, readyAt != nil, status.upstream.quotaShare == status.upstream.nationalQuota { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let idle = try #require(status)
        #expect(idle.mode == .development)
        #expect(idle.upstream.nationalQuota > 0)
        #expect(idle.upstream.quotaShare == idle.upstream.nationalQuota, "the full share shows on an idle instance")
        #expect(idle.totals.consumed == 0, "no traffic was needed for it")

        let load = try await Self.runToEnd(
            GatewayTestBed.executable("dancu-load"),
            ["generate", "--bootstrap", bootstrap, "--count", "200", "--rate", "50"]
        )
        #expect(load.status == 0, "\(load.output.suffix(2_000))\(load.errors.suffix(2_000))")

        var logger = Logger(label: "cli-test")
        logger.logLevel = .error
        let consumer = try KafkaConsumer(
            properties: [
                "bootstrap.servers": bootstrap, "group.id": "cli-\(UUID().uuidString)", "auto.offset.reset": "earliest",
            ],
            logger: logger
        )
        let (_, rules) = try GatewayConfiguration.load(path: GatewayTestBed.shippedConfiguration, environment: [:])
        try consumer.subscribe(topics: rules.portals.map(rules.outcomeTopic(for:)))
        var outcomes: [KafkaMessage] = []
        while outcomes.count < 20, clock.now < deadline {
            for case .messages(let messages) in try await consumer.poll(timeout: .milliseconds(100)) {
                outcomes += messages
            }
        }
        await consumer.close()
        #expect(outcomes.count >= 20)
        #expect(outcomes.allSatisfy { $0.headers.first(named: "dancu-environment")?.stringValue == "development" })
        process.terminate()
    }

    private func fetchStatus(port: Int) async throws -> GatewayStatus {
        let url = try #require(URL(string: "http://127.0.0.1:\(port)/status"))
        let (data, _) = try await URLSession.shared.data(from: url)
        return try JSONDecoder().decode(GatewayStatus.self, from: data)
    }

    /// A port nothing listens on now, for a child process's admin server.
    private func freePort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(socket, pointer, length) == 0 && getsockname(socket, pointer, &length) == 0
            }
        }
        try #require(bound)
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// `dancu-sim` as a process: its secret from `DANCU_SIM_SECRET` (a flag would show in the process list), and
    /// a request chosen to time out is held until the client gives up, as a hung database would, not answered
    /// 504 at once.
    @Test func theSimulatorProcessTakesItsSecretFromTheEnvironmentAndHoldsTimedOutRequests() async throws {
        let secret = "from-the-environment-\(UUID().uuidString)"
        let process = Self.process(
            GatewayTestBed.executable("dancu-sim"),
            ["--port", "0", "--timeout-rate", "1", "--hang-limit", "60"],
            environment: ["DANCU_SIM_SECRET": secret]
        )
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        var firstLine = Data()
        while !firstLine.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            firstLine += chunk
        }
        let line = String(decoding: firstLine, as: UTF8.self)
        #expect(line.hasPrefix("listening: "))
        let base = line.dropFirst("listening: ".count).trimmingCharacters(in: .whitespacesAndNewlines)
        let query = PopulationQuery(
            requestId: "r",
            idNumber: "001099000001",
            fullName: "A",
            dateOfBirth: .yearOnly(1990)
        )

        func verify(signedWith secret: String) async -> PopulationDBError.Code? {
            var configuration = PopulationDBConfiguration()
            configuration.url = base + "/dancu/ws"
            configuration.allowPlaintext = true
            configuration.secret = Secret(secret)
            configuration.requestTimeout = .seconds(2)
            do {
                let client = try PopulationDBClient(
                    configuration: configuration,
                    url: base + "/dancu/ws",
                    logger: Logger(label: "sim-test")
                )
                defer { Task { try? await client.shutdown() } }
                _ = try await client.verify(query)
                return nil
            } catch let error as PopulationDBError {
                return error.code
            } catch {
                return .invalidConfiguration
            }
        }
        #expect(
            await verify(signedWith: "dancu-sim-secret") == .unauthorized,
            "the default secret is not the one in force"
        )
        #expect(await verify(signedWith: secret) == .timedOut, "accepted, then held past the client's timeout")
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0 || process.terminationReason == .uncaughtSignal)
    }
}
