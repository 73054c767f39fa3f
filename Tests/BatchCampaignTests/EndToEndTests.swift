import BatchCampaign
import DanCuContract
import Foundation
import Kafka
import Logging
import SyntheticPopulation
import Testing

/// `dancu-batch submit` against `dancu-gateway run` on the embedded default (Kafka cluster and
/// population-database simulator in the gateway's process), with rows made from the simulator's own
/// synthetic population so that every row's status is known beforehand.
@Suite(.serialized, .timeLimit(.minutes(10))) struct EndToEndTests {
    typealias Cell = Fixtures.Cell
    static let root = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    /// The embedded default's population (Config/gateway.yaml: embedded.seed, embedded.citizens).
    static let population = SyntheticPopulation(seed: 1, size: 1_000_000)

    /// This build's executables: `GATEWAY_BIN_PATH` (scripts/test), else beside this test runner.
    static func executable(_ name: String) -> URL {
        let folder =
            ProcessInfo.processInfo.environment["GATEWAY_BIN_PATH"].map { URL(filePath: $0) }
            ?? URL(filePath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent()
        return folder.appending(path: name)
    }

    /// A gateway child process; its first stdout line names the embedded cluster.
    final class Gateway: Sendable {
        let process: Process
        let bootstrap: String

        init() async throws {
            let process = Process()
            process.executableURL = EndToEndTests.executable("dancu-gateway")
            process.arguments = ["run"]
            process.currentDirectoryURL = EndToEndTests.root
            var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("DANCU_") }
            environment["DANCU_ADMIN_PORT"] = "0"
            environment["DANCU_LOG_LEVEL"] = "error"
            process.environment = environment
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
                String(decoding: data, as: UTF8.self).split(separator: "\n").forEach { continuation.yield(String($0)) }
            }
            try process.run()
            self.process = process
            var first: String?
            for await line in lines {
                first = line
                break
            }
            guard let first, first.hasPrefix("bootstrap: ") else {
                process.terminate()
                throw Fixtures.FixtureError(
                    description: "the gateway did not announce its cluster: \(first ?? "no output")"
                )
            }
            bootstrap = String(first.dropFirst("bootstrap: ".count))
        }

        func stop() {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// A `dancu-batch` child; returns its exit status and standard output.
    static func batch(
        _ arguments: [String],
        started: ((Process) async throws -> Void)? = nil
    ) async throws -> (Int32, String) {
        let process = Process()
        process.executableURL = executable("dancu-batch")
        process.arguments = arguments
        process.currentDirectoryURL = root
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("DANCU_") }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let (ended, exited) = AsyncStream.makeStream(of: Int32.self)
        process.terminationHandler = {
            exited.yield($0.terminationStatus)
            exited.finish()
        }
        try process.run()
        try await started?(process)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        var status = Int32(-1)
        for await code in ended { status = code }
        return (status, String(decoding: data, as: UTF8.self))
    }

    static func temporaryFile(_ name: String) throws -> URL { try Fixtures.directory().appending(path: name) }

    /// The request topic read from its start: how many times each request id was published.
    static func published(bootstrap: String, topic: String) async throws -> [String: Int] {
        var logger = Logger(label: "batch-test")
        logger.logLevel = .error
        let consumer = try KafkaConsumer(
            properties: ["bootstrap.servers": bootstrap, "group.id": "batch-test-\(UUID().uuidString)"],
            logger: logger
        )
        let count = try #require(try await consumer.partitionCounts(of: [topic])[topic])
        let partitions = (0..<count).map { TopicPartition(topic: topic, partition: Int32($0)) }
        var remaining = try await consumer.endOffsets(of: partitions).filter { $0.value > 0 }
        try consumer.assign(Dictionary(uniqueKeysWithValues: partitions.map { ($0, Int64(0)) }))
        var keys: [String: Int] = [:]
        while !remaining.isEmpty {
            for case .messages(let messages) in try await consumer.poll(maxMessages: 1000, timeout: .milliseconds(100))
            {
                for message in messages {
                    keys[String(decoding: message.key ?? [], as: UTF8.self), default: 0] += 1
                    if let end = remaining[message.topicPartition], message.offset + 1 >= end {
                        remaining[message.topicPartition] = nil
                    }
                }
            }
        }
        await consumer.close()
        return keys
    }

    /// The output's rows as text, whatever its format.
    static func outputRows(_ url: URL) throws -> [[String]] {
        if url.pathExtension == "xlsx" { return try Fixtures.readXLSX(url).map { $0.map(\.plain) } }
        return try Fixtures.readCSV(url)
    }

    static func check(output: URL, rows: [[Cell]], expected: [Expected], type: RequestType) throws {
        let written = try outputRows(output)
        try #require(written.count == rows.count)
        let width = rows[0].count
        for (index, outcome) in expected.enumerated() {
            let row = written[index + 1]
            let status = row.count > width ? row[width] : ""
            #expect(status == outcome.status, "row \(index + 2): \(status), expected \(outcome.status)")
            let notes = row.count > width + 2 ? row[width + 2] : ""
            if outcome.noted { #expect(!notes.isEmpty, "row \(index + 2) has no Ghi chú") }
            if outcome.status == "refused" {
                #expect(notes.contains("không tự sửa") || notes.contains("dạng số khoa học"))
            }
            if type == .link, outcome.status == "found" {
                let cccd = population.citizen(legacyIdNumber: row.count > width + 3 ? row[width + 3] : "")?.idNumber
                #expect(row.count > width + 3 && row[width + 3].count == 12, "row \(index + 2) has no Số CCCD (CSDLQG)")
                #expect(cccd == nil || cccd == row[width + 3])
            }
        }
    }

    @Test func verifyAndLinkCampaignsFromXlsxAndCsvGetAStatusForEveryRow() async throws {
        let gateway = try await Gateway()
        defer { gateway.stop() }
        let state = try Fixtures.directory()
        for (type, csv) in [(RequestType.verify, false), (.verify, true), (.link, false), (.link, true)] {
            let (rows, expected) = Self.sheet(type, csv: csv)
            let input = try Self.temporaryFile(csv ? "in.csv" : "in.xlsx")
            let output = input.deletingLastPathComponent().appending(path: csv ? "out.csv" : "out.xlsx")
            let report = input.deletingLastPathComponent().appending(path: "report.json")
            if csv {
                try Fixtures.writeCSV(rows, to: input, encoding: "utf-8-sig", separator: ";")
            } else {
                try Fixtures.writeXLSX(rows, to: input)
            }
            let campaign = "e2e-\(type.rawValue)-\(csv ? "csv" : "xlsx")"
            let arguments = [
                "submit", "--bootstrap", gateway.bootstrap, "--portal", "angiang", "--type", type.rawValue, "--file",
                input.path,
                "--out", output.path, "--campaign", campaign, "--rate", "50", "--state-dir", state.path, "--report",
                report.path,
                "--wait", "120",
            ]
            let (status, printed) = try await Self.batch(arguments)
            #expect(status == 0, "\(campaign): \(printed)")
            try Self.check(output: output, rows: rows, expected: expected, type: type)
            let summary = try JSONDecoder().decode(CampaignSummary.self, from: Data(contentsOf: report))
            #expect(summary.rows == 50)
            #expect(summary.refused == expected.count { $0.status == "refused" })
            #expect(summary.complete)

            // The same campaign again: every row is answered, so nothing is published.
            if type == .verify, !csv {
                let before = try await Self.published(bootstrap: gateway.bootstrap, topic: "dancu.requests.angiang")
                let (again, _) = try await Self.batch(arguments)
                #expect(again == 0)
                let after = try await Self.published(bootstrap: gateway.bootstrap, topic: "dancu.requests.angiang")
                #expect(after == before)
                #expect(after.values.allSatisfy { $0 == 1 })
            }
        }
    }

    @Test func aCampaignKilledMidwayResumesWithoutSendingAnAnsweredRowAgain() async throws {
        let gateway = try await Gateway()
        defer { gateway.stop() }
        let state = try Fixtures.directory()
        let (rows, expected) = Self.sheet(.verify, csv: true)
        let input = try Self.temporaryFile("in.csv")
        let output = input.deletingLastPathComponent().appending(path: "out.csv")
        try Fixtures.writeCSV(rows, to: input, encoding: "utf-16", separator: "tab")
        let arguments = { (rate: String) in
            [
                "submit", "--bootstrap", gateway.bootstrap, "--portal", "phutho", "--type", "verify", "--file",
                input.path,
                "--out", output.path, "--campaign", "bi-ngat", "--rate", rate, "--state-dir", state.path, "--wait",
                "120",
            ]
        }
        let statePath = state.appending(path: "bi-ngat.sqlite").path
        var answeredAtKill: Set<String> = []
        let (killed, _) = try await Self.batch(arguments("4")) { process in
            // Killed once some rows are answered and others not yet sent.
            let deadline = ContinuousClock.now + .seconds(120)
            while ContinuousClock.now < deadline {
                if FileManager.default.fileExists(atPath: statePath),
                    let answered = try? CampaignStore(path: statePath).requestIds(answered: true), answered.count >= 8
                {
                    break
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            kill(process.processIdentifier, SIGKILL)
            answeredAtKill = try CampaignStore(path: statePath).requestIds(answered: true)
        }
        #expect(killed != 0)
        #expect(answeredAtKill.count >= 8)
        let (resumed, printed) = try await Self.batch(arguments("50"))
        #expect(resumed == 0, "\(printed)")
        try Self.check(output: output, rows: rows, expected: expected, type: .verify)

        let published = try await Self.published(bootstrap: gateway.bootstrap, topic: "dancu.requests.phutho")
        let store = try CampaignStore(path: statePath)
        #expect(published.count == (try store.counts().requests))
        for id in answeredAtKill { #expect(published[id] == 1, "an answered request was sent again") }
        // A SIGKILL between the broker's acknowledgement of a paced group and the state file's record of it loses
        // that record: those requests, unanswered, are sent again on resume (the gateway repeats their outcome).
        // Every other publication is one the state file counts.
        let unrecorded = published.values.reduce(0, +) - (try store.counts().sends)
        #expect(unrecorded >= 0)
        #expect(unrecorded <= rows.count - answeredAtKill.count)
    }

    // MARK: - The rows

    /// What a row should end as.
    struct Expected {
        var status: String
        var noted: Bool
    }

    /// 50 rows of known citizens, some damaged the way Excel damages them.
    static func sheet(_ type: RequestType, csv: Bool) -> (rows: [[Cell]], expected: [Expected]) {
        var rows: [[Cell]] = [
            type == .link
                ? [
                    .text("STT"), .text("Họ và tên"), .text("Số định danh cá nhân"), .text("Số CMND"),
                    .text("Ngày tháng năm sinh"),
                ]
                : [.text("STT"), .text("Họ tên"), .text("SỐ CCCD"), .text("Ngày sinh")]
        ]
        var expected: [Expected] = []
        var index = 0
        var candidate = 0
        while index < 50 {
            candidate += 1
            let position = candidate * 7919 % population.size
            let citizen = population.citizen(at: position)
            guard type != .link || citizen.legacyIdNumber != nil else { continue }
            guard case .full(let year, let month, let day) = citizen.dateOfBirth else { continue }
            let found = type == .link ? "found" : "verified"
            let missed = type == .link ? "not_found" : "not_verified"
            var name = Cell.text(citizen.fullName)
            var id = Cell.text(citizen.idNumber)
            var birth = Cell.text(citizen.dateOfBirth.displayText)
            var legacy = Cell.text(citizen.legacyIdNumber ?? "")
            var outcome = Expected(status: found, noted: false)
            switch index % 10 {
            case 0:
                // Typed as a number: the leading 0 is gone.
                id = csv ? .text(String(citizen.idNumber.dropFirst())) : .number(Double(citizen.idNumber)!)
                outcome.noted = true
            case 1 where type == .link && legacy.plain.hasPrefix("0"):
                legacy = csv ? .text(String(legacy.plain.dropFirst())) : .number(Double(legacy.plain)!)
                outcome.noted = true
            case 2:
                let serial =
                    25_569
                    + Int(
                        DateComponents(
                            calendar: Calendar(identifier: .gregorian),
                            timeZone: TimeZone(identifier: "UTC"),
                            year: year,
                            month: month,
                            day: day
                        ).date!.timeIntervalSince1970 / 86_400
                    )
                birth = csv ? .text("\(serial)") : .date(String(format: "%04d-%02d-%02d", year, month, day))
                outcome.noted = true
            case 3:
                id = .text(String(format: "%.4E", Double(citizen.idNumber)!))
                outcome = Expected(status: "refused", noted: true)
            case 4:
                if type == .link { legacy = .text("000000001") } else { name = .text("Nguyễn Văn Sai Tên") }
                outcome.status = missed
            case 5:
                id = .text(citizen.idNumber.prefix(3) + " " + citizen.idNumber.dropFirst(3))
                outcome = Expected(status: "refused", noted: true)
            default:
                break
            }
            rows.append(
                type == .link
                    ? [.number(Double(index + 1)), name, id, legacy, birth]
                    : [.number(Double(index + 1)), name, id, birth]
            )
            expected.append(outcome)
            index += 1
        }
        return (rows, expected)
    }
}

extension Fixtures.Cell {
    var plain: String {
        switch self {
        case .text(let text): text
        case .number(let number): String(Int64(number))
        case .date(let date): date
        case .none: ""
        }
    }
}
