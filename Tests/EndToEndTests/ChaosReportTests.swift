import Foundation
import Testing

/// `scripts/chaos --report DIR`: the chaos suite's verdict on a finished run's directory, here a made-up one, so
/// that each failure it must catch is shown caught without running the suite itself.
@Suite struct ChaosReportTests {
    /// A run's directory as `scripts/chaos` leaves it: facts, the load report, topic dumps, gateway logs.
    struct RunDirectory {
        /// Requests answered twice, all on `dancu.requests.angiang[0]`, first by the instance of `gateway-1.1.log`.
        var duplicates = 0
        /// How that instance let the partition go after answering them the first time.
        var lettingGo = LettingGo.killed
        var lost = 0
        var incorrect = 0
        var answersHostileRequest = true
        var auditsDatabaseOutcome = true
        var gatewayLog = "2026-12-06T07:00:00Z info dancu-gateway: answered requestId=ldabc-1 idNumber=0010******45\n"
        static let idNumber = "001090012345"

        enum LettingGo { case killed, refusedCommit, committed }
        static let secret = "audit-0123456789abcdef0123456789abcdef"

        /// Two portals, `hoabinh` flooded with two hostile messages: one dead-lettered, one answered.
        func write() throws -> URL {
            let directory = FileManager.default.temporaryDirectory.appending(path: "chaos-report-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let facts: [String: Any] = [
                "profile": "short", "date": "2026-12-06T07:00:00Z", "portals": ["angiang", "hoabinh"],
                "floodedPortal": "hoabinh",
                "topics": [
                    "requestPrefix": "dancu.requests.", "outcomePrefix": "dancu.outcomes.",
                    "deadLetter": "dancu.deadletter",
                ],
                "rate": 10, "durationSeconds": 10, "gateways": 1, "quota": 100, "checkQuota": false,
                "commitIntervalSeconds": 1, "heartbeatIntervalSeconds": 1, "maxInFlight": 4, "hostileTag": "t1",
                "kills": 1,
                "hostile": ["0": "random bytes", "1": "bad header: traceparent with a control character"],
                "secrets": [Self.secret], "floodStartEpoch": 1000, "floodEndEpoch": 1010,
                // Seconds 990-993: database errors injected; the breaker may open then and in the 10 s after.
                "faultWindowsEpoch": [[990, 993]], "auditTopic": "dancu.audit",
                "interruptions": lettingGo == .killed
                    ? [["signal": "SIGKILL", "at": 5, "exitedEpoch": 997.5, "log": "gateway-1.1.log"]] : [],
            ]
            let load: [String: Any] = [
                "runId": "ldabc", "sent": 1, "sendFailures": 0, "lost": lost, "incorrect": incorrect,
                "duplicates": duplicates, "transient": 0,
            ]
            let request =
                #"{"requestId":"ldabc-1","type":"verify","channel":"counter","citizen":{"idNumber":"\#(Self.idNumber)"}}"#
            var records: [[String: Any]] = [
                record("dancu.requests.angiang", 0, 0, key: "ldabc-1", payload: request, at: 995_000),
                record(
                    "dancu.outcomes.angiang",
                    0,
                    0,
                    key: "ldabc-1",
                    payload: #"{"requestId":"ldabc-1","source":"population-db"}"#,
                    at: 995_040
                ),
                record("dancu.requests.hoabinh", 0, 5, key: "hxt1-0", payload: "\u{1}garbage", at: 1_000_000),
                record(
                    "dancu.requests.hoabinh",
                    1,
                    7,
                    key: "hxt1-1",
                    payload: #"{"requestId":"hxt1-1"}"#,
                    at: 1_000_000
                ),
                record(
                    "dancu.deadletter",
                    0,
                    0,
                    key: "hxt1-0",
                    payload: "\u{1}garbage",
                    at: 1_000_100,
                    headers: [
                        "dancu-source-topic", "dancu.requests.hoabinh", "dancu-source-partition", "0",
                        "dancu-source-offset", "5",
                    ]
                ),
            ]
            for index in 0..<duplicates {
                let id = "ldabc-d\(index)"
                records.append(
                    record(
                        "dancu.requests.angiang",
                        0,
                        1 + index,
                        key: id,
                        payload: #"{"requestId":"\#(id)"}"#,
                        at: 995_500
                    )
                )
                for answered in [996_000, 999_000] {
                    records.append(
                        record(
                            "dancu.outcomes.angiang",
                            0,
                            1 + index,
                            key: id,
                            payload: #"{"requestId":"\#(id)"}"#,
                            at: answered + index
                        )
                    )
                }
            }
            if answersHostileRequest {
                records.append(
                    record(
                        "dancu.outcomes.hoabinh",
                        1,
                        0,
                        key: "hxt1-1",
                        payload: #"{"requestId":"hxt1-1"}"#,
                        at: 1_000_200
                    )
                )
            }
            if auditsDatabaseOutcome {
                let audit = #"{"requestId":"ldabc-1","portal":"angiang","source":"population-db"}"#
                records.append(record("dancu.audit", 0, 0, key: "angiang", payload: audit, at: 995_030))
            }
            try JSONSerialization.data(withJSONObject: facts).write(to: directory.appending(path: "facts.json"))
            try JSONSerialization.data(withJSONObject: load).write(to: directory.appending(path: "load.json"))
            let lines = try records.map {
                String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self)
            }
            try (lines.joined(separator: "\n") + "\n").write(
                to: directory.appending(path: "topics.jsonl"),
                atomically: true,
                encoding: .utf8
            )
            try gatewayLog.write(to: directory.appending(path: "gateway-0.1.log"), atomically: true, encoding: .utf8)
            // Seconds 980 to 997.5 (1970-01-01T00:16:20Z to 00:16:37.5Z).
            var ownerLog =
                #"1970-01-01T00:16:20.000Z info dancu-gateway: Partitions assigned partitions=["dancu.requests.angiang[0]"]"#
                + "\n"
            if lettingGo != .killed {
                ownerLog += #"1970-01-01T00:16:37.500Z info dancu-gateway: Partitions revoked allFinished=true "#
                ownerLog += #"committed=\#(lettingGo == .committed) partitions=["dancu.requests.angiang[0]"]"# + "\n"
            }
            try ownerLog.write(to: directory.appending(path: "gateway-1.1.log"), atomically: true, encoding: .utf8)
            return directory
        }

        /// A record as `kcat -J` prints it.
        private func record(
            _ topic: String,
            _ partition: Int,
            _ offset: Int,
            key: String,
            payload: String,
            at milliseconds: Int,
            headers: [String] = []
        ) -> [String: Any] {
            [
                "topic": topic, "partition": partition, "offset": offset, "tstype": "create", "ts": milliseconds,
                "broker": 1, "headers": headers, "key": key, "payload": payload,
            ]
        }
    }

    /// The exit status and the printed report of `scripts/chaos --report` on `run`'s directory.
    func report(_ run: RunDirectory) throws -> (status: Int32, text: String) {
        let directory = try run.write()
        defer { try? FileManager.default.removeItem(at: directory) }
        let process = Process()
        process.executableURL = URL(filePath: "/usr/bin/env")
        process.arguments = [
            "python3", GatewayTestBed.repositoryRoot.appending(path: "scripts/chaos").path, "--report", directory.path,
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test func aCleanRunPassesAndAccountsForEveryHostileMessage() throws {
        let (status, text) = try report(RunDirectory())
        #expect(status == 0, "\(text)")
        #expect(
            text.contains("2 on dancu.requests.hoabinh: 1 dead-lettered, 1 answered, 0 both, 0 unaccounted"),
            "\(text)"
        )
        #expect(
            text.contains(
                "bound per SIGKILL 14 = ceil(rate 10/s × pipeline.commitInterval 1 s) + populationDb.quota.maxInFlight 4"
            ),
            "\(text)"
        )
        #expect(text.contains("PASSED"), "\(text)")
    }

    @Test func duplicatesAfterASIGKILLAreAllowedUpToItsBoundAndNoFurther() throws {
        #expect(try report(RunDirectory(duplicates: 14)).status == 0)
        let (status, text) = try report(RunDirectory(duplicates: 15))
        #expect(status == 1)
        #expect(text.contains("15 after 1 of 1 SIGKILLs, at most 15 after one"), "\(text)")
        #expect(
            text.contains("FAILED CHECK   duplicates: 15 after the SIGKILL of gateway-1.1.log, over the bound 14"),
            "\(text)"
        )
    }

    /// The mock cluster refuses commits while its group rebalances: the owner's work since its last accepted
    /// commit, found out within a heartbeat, is answered again, and is bounded by that.
    @Test func aRevocationWhoseCommitWasRefusedHasABoundOfItsOwn() throws {
        #expect(try report(RunDirectory(duplicates: 24, lettingGo: .refusedCommit)).status == 0)
        let (status, text) = try report(RunDirectory(duplicates: 25, lettingGo: .refusedCommit))
        #expect(status == 1)
        #expect(
            text.contains(
                "FAILED CHECK   duplicates: 25 after the refused commit of gateway-1.1.log, over the bound 24"
            ),
            "\(text)"
        )
    }

    /// After a revocation whose commit was accepted, nothing already answered may be answered again.
    @Test func aDuplicateAfterACommittedRevocationFailsTheRun() throws {
        let (status, text) = try report(RunDirectory(duplicates: 1, lettingGo: .committed))
        #expect(status == 1)
        #expect(
            text.contains(
                "FAILED CHECK   duplicates: 1 not explained by a SIGKILL or a refused commit, over the bound 0"
            ),
            "\(text)"
        )
    }

    @Test func aLostOrWrongOutcomeFailsTheRun() throws {
        let lost = try report(RunDirectory(lost: 1))
        #expect(lost.status == 1)
        #expect(
            lost.text.contains("FAILED CHECK   lost: 1 requests had no outcome when dancu-load stopped waiting"),
            "\(lost.text)"
        )
        let wrong = try report(RunDirectory(incorrect: 2))
        #expect(wrong.status == 1)
        #expect(wrong.text.contains("FAILED CHECK   incorrect: 2 wrong outcomes"), "\(wrong.text)")
    }

    @Test func aHostileMessageWithoutFateIsNamedByItsKind() throws {
        let (status, text) = try report(RunDirectory(answersHostileRequest: false))
        #expect(status == 1)
        #expect(
            text.contains(
                "FAILED CHECK   hostile messages neither dead-lettered nor answered: 1 × bad header: traceparent with a control character"
            ),
            "\(text)"
        )
    }

    @Test func anOutcomeFromTheDatabaseWithoutItsAuditRecordFailsTheRun() throws {
        #expect(
            try report(RunDirectory()).text.contains(
                "1 outcomes from the database or the cache, 1 with an audit record"
            )
        )
        let (status, text) = try report(RunDirectory(auditsDatabaseOutcome: false))
        #expect(status == 1)
        #expect(
            text.contains("FAILED CHECK   audit: 1 outcomes from the database or the cache have no audit record"),
            "\(text)"
        )
    }

    /// The database is healthy during the flood except where the run injected faults; only there may the
    /// breaker open (1970-01-01T00:16:41Z is second 1001, 00:16:48Z second 1008).
    @Test func theBreakerOpeningDuringTheFloodWithAHealthyDatabaseBreaksIsolation() throws {
        var run = RunDirectory()
        run.gatewayLog +=
            "1970-01-01T00:16:41.100Z warning dancu-gateway: Population database failing; circuit breaker open\n"
        #expect(try report(run).status == 0)
        run.gatewayLog +=
            "1970-01-01T00:16:48.100Z warning dancu-gateway: Population database failing; circuit breaker open\n"
        let (status, text) = try report(run)
        #expect(status == 1)
        #expect(
            text.contains("FAILED CHECK   isolation: the circuit breaker opened 1 time(s) during the flood"),
            "\(text)"
        )
    }

    @Test(arguments: [RunDirectory.idNumber, RunDirectory.secret])
    func aLogLineWithAnIdNumberOrASecretIsALeak(leaked: String) throws {
        var run = RunDirectory()
        run.gatewayLog += "2026-12-06T07:00:01Z info dancu-gateway: called the database for \(leaked)\n"
        let (status, text) = try report(run)
        #expect(status == 1)
        #expect(text.contains("gateway-0.1.log:2:"), "\(text)")
        #expect(text.contains("FAILED CHECK   leaks: 1 log lines carry an ID number or a secret"), "\(text)")
        #expect(!text.contains(leaked), "the report names the leak without repeating it")
    }
}
