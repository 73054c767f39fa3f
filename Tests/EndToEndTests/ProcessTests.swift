import DanCuContract
import Foundation
import Kafka
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The gateway as the operators run it: a separate process, killed, stopped and doubled.
/// The limits are generous: at the start of the full parallel suite the test process's two cooperative threads are
/// shared by every suite, and one kill round once waited more than 150 s for outcomes that take 12 s alone.
@Suite(.serialized, .timeLimit(.minutes(25))) struct ProcessTests {
    static let executable = GatewayTestBed.executable("dancu-gateway")

    /// A `dancu-gateway run` child pointed at the test bed.
    final class GatewayProcess: Sendable {
        let process: Process
        /// The exit status, once. Waiting here instead of `waitUntilExit` keeps the test process's few
        /// cooperative threads free for what the child may still need of them (a span receiver, a broker).
        private let exitStatus: AsyncStream<Int32>
        /// The child's standard error, so that a test that waits in vain can say what the gateway was doing.
        let log: URL
        private let ownsLog: Bool

        /// - Parameter log: where the child's standard error goes; a temporary file (removed with this) when nil.
        init(bed: GatewayTestBed, group: String, extra: [String: String] = [:], log: URL? = nil) throws {
            let process = Process()
            process.executableURL = URL(filePath: ProcessTests.executable)
            process.arguments = ["run"]
            process.currentDirectoryURL = GatewayTestBed.repositoryRoot
            var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("DANCU_") }
            environment.merge(
                bed.environment(["DANCU_KAFKA_GROUP_ID": group, "DANCU_LOG_LEVEL": "warning"].merging(extra) { $1 })
            ) { $1 }
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            self.log = log ?? FileManager.default.temporaryDirectory.appending(path: "gateway-\(UUID().uuidString).log")
            ownsLog = log == nil
            _ = FileManager.default.createFile(atPath: self.log.path, contents: nil)
            process.standardError = try FileHandle(forWritingTo: self.log)
            let (exitStatus, exited) = AsyncStream.makeStream(of: Int32.self)
            process.terminationHandler = { ended in
                exited.yield(ended.terminationStatus)
                exited.finish()
            }
            try process.run()
            self.process = process
            self.exitStatus = exitStatus
        }

        deinit {
            if ownsLog { try? FileManager.default.removeItem(at: log) }
        }

        /// The last lines the child logged.
        func logTail(_ count: Int = 30) -> String {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").suffix(count).joined(separator: "\n")
        }

        func kill() async {
            Foundation.kill(process.processIdentifier, SIGKILL)
            _ = await exited()
        }

        /// Sends SIGTERM and returns the exit status.
        func terminate() async -> Int32 {
            process.terminate()
            return await exited()
        }

        private func exited() async -> Int32 {
            for await status in exitStatus { return status }
            return process.terminationStatus
        }
    }

    static func requests(_ bed: GatewayTestBed, count: Int, prefix: String) -> [TestRequest] {
        (0..<count).map { index in
            let citizen = bed.population.citizen(at: index * 37 % bed.population.size)
            return .verify(
                ["angiang", "haiphong", "phutho"][index % 3],
                "\(prefix)-\(index)",
                name: citizen.fullName,
                idNumber: citizen.idNumber,
                dateOfBirth: citizen.dateOfBirth.displayText
            )
        }
    }

    @Test func killedMidStreamAndRestartedLosesNothing() async throws {
        let bed = try await GatewayTestBed(latencyMs: 5)
        let group = "kill-\(UUID().uuidString)"
        let requests = Self.requests(bed, count: 300, prefix: "kill")
        let collector = try bed.outcomeCollector()
        let producer = try bed.producer()
        try await bed.publish(requests, with: producer)
        // Kill it three times, each time after it has answered more, then let a last run finish the work.
        let informative = ["DANCU_LOG_LEVEL": "info"]
        for round in 1...3 {
            let gateway = try GatewayProcess(bed: bed, group: group, extra: informative)
            // Each round waits out the killed member's session and a rebalance.
            let answered = try await collector.collect(limit: .seconds(300)) {
                $0.answeredRequestIds.count >= round * 60
            }.answeredRequestIds.count
            if answered < round * 60 {
                Issue.record("round \(round): \(answered) answered; the gateway's last lines:\n\(gateway.logTail())")
            }
            await gateway.kill()
        }
        let last = try GatewayProcess(bed: bed, group: group, extra: informative)
        let collected = try await collector.collect(limit: .seconds(300)) {
            $0.answeredRequestIds.count >= requests.count
        }
        if collected.answeredRequestIds.count < requests.count {
            Issue.record("\(collected.answeredRequestIds.count) answered; the gateway's last lines:\n\(last.logTail())")
        }
        // Graceful stops are the SIGTERM test's subject; this one may end before its signal handlers are set.
        _ = await last.terminate()
        await collector.close()
        #expect(collected.answeredRequestIds == Set(requests.map(\.requestId)))
        #expect(
            collected.outcomes.allSatisfy {
                $0.outcome.status == .verified && $0.topic == "dancu.outcomes.\($0.outcome.portal)"
            }
        )
        await producer.close(flushTimeout: .seconds(5))
        await bed.simulator.stop()
    }

    @Test func sigtermWhileBusyAnswersAndCommitsEverythingReceived() async throws {
        let bed = try await GatewayTestBed(latencyMs: 20)
        let group = "term-\(UUID().uuidString)"
        let requests = Self.requests(bed, count: 200, prefix: "term")
        let collector = try bed.outcomeCollector()
        let producer = try bed.producer()
        let gateway = try GatewayProcess(bed: bed, group: group)
        try await bed.publish(requests, with: producer)
        try await collector.collect(limit: .seconds(90)) { $0.answeredRequestIds.count >= 20 }
        #expect(await gateway.terminate() == 0, "a graceful stop exits 0")

        // The group's committed offsets cover only answered requests, and everything committed was answered.
        let partitions = bed.rules.portals.flatMap { portal in
            (0..<4).map { TopicPartition(topic: bed.rules.requestTopic(for: portal), partition: Int32($0)) }
        }
        let inspector = try KafkaConsumer(
            properties: ["bootstrap.servers": bed.cluster.bootstrapServers, "group.id": group],
            logger: bed.logger
        )
        let committed = try await inspector.committed(partitions)
        await inspector.close()
        let committedCount = Int(committed.values.reduce(0, +))
        #expect(committedCount > 0)
        let afterStop = try await collector.collect(limit: .seconds(30)) {
            $0.answeredRequestIds.count >= committedCount
        }
        #expect(afterStop.answeredRequestIds.count >= committedCount)

        // The next run answers the rest and nothing twice. One sentinel per partition, published after the
        // restart, shows when every partition has been read past what was committed.
        let next = try GatewayProcess(bed: bed, group: group)
        let sentinels = partitions.enumerated().map { index, partition in
            let citizen = bed.population.citizen(at: 9_000 + index)
            var request = TestRequest.verify(
                String(partition.topic.dropFirst("dancu.requests.".count)),
                "sentinel-\(index)",
                name: citizen.fullName,
                idNumber: citizen.idNumber,
                dateOfBirth: citizen.dateOfBirth.displayText
            )
            request.partition = partition.partition
            return request
        }
        try await bed.publish(sentinels, with: producer)
        let everything = Set((requests + sentinels).map(\.requestId))
        let collected = try await collector.collect(limit: .seconds(90)) {
            $0.answeredRequestIds.isSuperset(of: everything)
        }
        #expect(await next.terminate() == 0)
        await collector.close()
        #expect(collected.answeredRequestIds == everything)
        let answeredTwice = Dictionary(grouping: collected.outcomes, by: \.outcome.requestId).filter {
            $0.value.count > 1
        }
        #expect(answeredTwice.isEmpty, "redelivered after a graceful stop: \(answeredTwice.keys.sorted().prefix(5))")
        await producer.close(flushTimeout: .seconds(5))
        await bed.simulator.stop()
    }

    @Test func twoProcessesShareTheWorkAndOneTakesOverWhenTheOtherDies() async throws {
        let bed = try await GatewayTestBed(latencyMs: 5)
        let group = "pair-\(UUID().uuidString)"
        let requests = Self.requests(bed, count: 300, prefix: "pair")
        let collector = try bed.outcomeCollector()
        let producer = try bed.producer()
        let first = try GatewayProcess(bed: bed, group: group)
        let second = try GatewayProcess(bed: bed, group: group)
        try await bed.publish(Array(requests.prefix(150)), with: producer)
        try await collector.collect(limit: .seconds(90)) { $0.answeredRequestIds.count >= 150 }
        await first.kill()
        try await bed.publish(Array(requests.suffix(150)), with: producer)
        let collected = try await collector.collect(limit: .seconds(120)) {
            $0.answeredRequestIds.count >= requests.count
        }
        #expect(await second.terminate() == 0)
        await collector.close()
        #expect(collected.answeredRequestIds == Set(requests.map(\.requestId)))
        #expect(collected.outcomes.allSatisfy { $0.outcome.status == .verified })
        await producer.close(flushTimeout: .seconds(5))
        await bed.simulator.stop()
    }

    /// A load of known citizens through a gateway logging at trace level, with retries on the way: no log
    /// line carries an ID number, a name or a date of birth, and no secret shows in the logs, in `/status`
    /// or in an outcome.
    @Test func logsStatusAndOutcomesCarryNoPersonalDataOrSecrets() async throws {
        let bed = try await GatewayTestBed(latencyMs: 2)
        var faults = bed.simulator.faults
        faults.errorRate = 0.2
        try bed.simulator.setFaults(faults)
        let citizens = (0..<30).map { bed.population.citizen(at: 500 + $0 * 131) }
        var requests: [TestRequest] = []
        for (index, citizen) in citizens.enumerated() {
            let date = citizen.dateOfBirth.displayText
            requests.append(
                .verify(
                    "phutho",
                    "pv-\(index)",
                    name: citizen.fullName.lowercased(),
                    idNumber: citizen.idNumber,
                    dateOfBirth: date
                )
            )
            requests.append(
                .verify(
                    "haiphong",
                    "pw-\(index)",
                    name: citizen.fullName + " A",
                    idNumber: citizen.idNumber,
                    dateOfBirth: date
                )
            )
            requests.append(.lookup("angiang", "pl-\(index)", citizen: citizen, procedure: "2.000488"))
            if let legacy = citizen.legacyIdNumber {
                requests.append(.link("angiang", "pk-\(index)", citizen: citizen, legacyIdNumber: legacy))
            }
            requests.append(
                .verify(
                    "phutho",
                    "pi-\(index)",
                    name: citizen.fullName + "9",
                    idNumber: citizen.idNumber,
                    dateOfBirth: "31/02/" + date.suffix(4)
                )
            )
        }
        let secrets = [
            "DANCU_AUDIT_SECRET": "audit-secret-0123456789abcdef0123456789",
            "DANCU_CACHE_SECRET": "cache-secret-5e6f7a8b9c",
        ]
        let log = FileManager.default.temporaryDirectory.appending(path: "dancu-privacy-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let collector = try bed.outcomeCollector()
        let producer = try bed.producer()
        let gateway = try GatewayProcess(
            bed: bed,
            group: "privacy-\(UUID().uuidString)",
            extra: secrets.merging(["DANCU_LOG_LEVEL": "trace"]) { $1 },
            log: log
        )
        try await bed.publish(requests, with: producer)
        let collected = try await collector.collect(limit: .seconds(90)) {
            $0.answeredRequestIds.count >= requests.count
        }
        let adminURL = try String(contentsOf: log, encoding: .utf8)
            .firstMatch(of: /url=(http:\/\/127\.0\.0\.1:[0-9]+\/)(\s|$)/).map { String($0.1) }
        let status = try await URLSession.shared.data(
            from: try #require(adminURL.flatMap(URL.init(string:))).appending(path: "status")
        ).0
        #expect(await gateway.terminate() == 0)
        await collector.close()
        await producer.close(flushTimeout: .seconds(5))
        await bed.simulator.stop()

        #expect(collected.answeredRequestIds == Set(requests.map(\.requestId)))
        let logged = try String(contentsOf: log, encoding: .utf8)
        #expect(logged.contains(" trace ") || logged.contains(" debug "), "the gateway logged below info")
        #expect(logged.contains("pv-0"), "request lines carry the request id")
        var personal: [String] = []
        for citizen in citizens {
            personal += [citizen.idNumber, citizen.fullName, citizen.fullName.lowercased()]
            if let legacy = citizen.legacyIdNumber { personal.append(legacy) }
            if case .full(let year, let month, let day) = citizen.dateOfBirth {
                personal += [
                    citizen.dateOfBirth.displayText,
                    String(format: "%04d%02d%02d", year, month, day),
                    String(format: "%04d-%02d-%02d", year, month, day),
                ]
            }
        }
        let leaks = personal.filter { logged.contains($0) }
        #expect(
            leaks.isEmpty,
            "\(leaks.count) personal values in the log, e.g. \(leaks.first.map { String($0.prefix(3)) + "…" } ?? "")"
        )
        let outcomes = try collected.outcomes.map {
            String(decoding: try JSONEncoder().encode($0.outcome), as: UTF8.self)
        }
        for secret in Array(secrets.values) + [GatewayTestBed.secret] {
            #expect(!logged.contains(secret))
            #expect(!String(decoding: status, as: UTF8.self).contains(secret))
            #expect(!outcomes.contains { $0.contains(secret) })
        }
    }

    /// Instances of one group split the quota by their share of the request partitions: together they stay
    /// within it in every one-second window, as the simulator (the referee) counts.
    @Test(arguments: [2, 3])
    func instancesTogetherStayWithinTheQuota(instances: Int) async throws {
        let bed = try await GatewayTestBed(latencyMs: 2)
        let quota = 40
        let group = "quota-\(instances)-\(UUID().uuidString)"
        // Distinct citizens, so the cache cannot hide calls.
        let requests = Self.requests(bed, count: 400, prefix: "quota\(instances)")
        let collector = try bed.outcomeCollector()
        let producer = try bed.producer()
        let settings = [
            "DANCU_POPULATION_DB_QUOTA_REQUESTS_PER_SECOND": String(quota),
            "DANCU_POPULATION_DB_QUOTA_BURST": String(quota / 4),
            "DANCU_PIPELINE_RETRY_ATTEMPTS": "10",
            // The subject is the split of the quota between instances. On a CI machine busy with other
            // tests, a call can take tens of milliseconds more than its neighbours from grant to arrival;
            // the margin (the setting for a network's uneven delays) absorbs that here.
            "DANCU_SCHEDULER_WINDOW_MARGIN": "400ms",
        ]
        let gateways = try (0..<instances).map { _ in try GatewayProcess(bed: bed, group: group, extra: settings) }
        try await bed.publish(requests, with: producer)
        let collected = try await collector.collect(limit: .seconds(150)) {
            $0.answeredRequestIds.count >= requests.count
        }
        for gateway in gateways { _ = await gateway.terminate() }
        await collector.close()
        #expect(collected.answeredRequestIds == Set(requests.map(\.requestId)))
        let stats = bed.simulator.stats()
        #expect(stats.totalRequests >= requests.count)
        #expect(
            stats.maxRps1s <= quota,
            "the simulator saw \(stats.maxRps1s) calls in one second; the quota is \(quota)"
        )
        await producer.close(flushTimeout: .seconds(5))
        await bed.simulator.stop()
    }
}
