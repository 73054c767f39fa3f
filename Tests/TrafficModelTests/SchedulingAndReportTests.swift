import Clocks
import DanCuContract
import Foundation
import Testing

@testable import TrafficModel

@Suite struct SchedulingAndReportTests {
    /// Replay timing in virtual time: offsets divided by the speed, late items batched, nothing early.
    /// The immediate clock jumps to each deadline the scheduler sleeps until, so no test step can race it;
    /// delivering item 1 costs 100 ms of virtual time, which makes items 2 and 3 late and delivered together.
    @Test func replayKeepsRelativeTimingScaledBySpeed() async throws {
        let entries = [0.0, 100, 250, 260, 1000].map {
            ReplayEntry(offsetMs: $0, portal: "angiang", key: nil, value: Array("{}".utf8), expectation: nil)
        }
        let clock = ImmediateClock<Duration>()
        let start = clock.now
        var batches: [(items: [Int], at: Duration)] = []
        try await OpenLoopScheduler(clock: clock).run(count: entries.count, offset: { entries[$0].offset / 2 }) {
            range in
            batches.append((Array(range), start.duration(to: clock.now)))
            if range.contains(1) { try? await clock.sleep(for: .milliseconds(100)) }
        }
        #expect(batches.map(\.items) == [[0], [1], [2, 3], [4]])
        #expect(batches.map(\.at) == [.zero, .milliseconds(50), .milliseconds(150), .milliseconds(500)])
    }

    @Test func percentilesOfAUniformSpread() {
        var recorder = LatencyRecorder()
        for milliseconds in 1...1000 { recorder.record(.milliseconds(milliseconds)) }
        let summary = recorder.summary
        // Three significant digits: each value within 0.1 % of the exact order statistic.
        for (measured, exact) in [
            (summary.p50, 500.0), (summary.p90, 900), (summary.p99, 990), (summary.p999, 999), (summary.max, 1000),
        ] {
            #expect(abs(measured - exact) <= exact * 0.001, "\(measured) vs \(exact)")
        }
        #expect(recorder.count == 1000)
    }

    @Test func percentilesOfALongTail() {
        var recorder = LatencyRecorder()
        for _ in 0..<990 { recorder.record(.milliseconds(2)) }
        for _ in 0..<10 { recorder.record(.seconds(3)) }
        let summary = recorder.summary
        #expect(abs(summary.p50 - 2) < 0.01 && abs(summary.p99 - 2) < 0.01)
        #expect(abs(summary.p999 - 3000) <= 3 && abs(summary.max - 3000) <= 3)
    }

    /// Latency counts from the scheduled send time: an outcome two seconds after its slot is two
    /// seconds late however late the request was actually sent.
    @Test func latencyIsMeasuredFromTheSchedule() throws {
        let request = try OracleTests.generated(count: 1).1[0]
        var tally = LoadTally(runId: "ldtest")
        tally.expect(
            requestId: request.requestId,
            portal: request.portal,
            channel: request.channel,
            expectation: request.expectation,
            scheduledAt: .milliseconds(500)
        )
        let outcome = Outcome(
            requestId: request.requestId,
            portal: request.portal,
            type: nil,
            status: request.expectation.status ?? .forbidden,
            message: request.expectation.message ?? "",
            citizen: request.expectation.citizen,
            errors: [],
            source: request.expectation.source == .gateway ? .gateway : .populationDb,
            attempts: 1,
            receivedAt: Date(),
            completedAt: Date()
        )
        tally.receive(outcome, at: .milliseconds(2500))
        var foreign = outcome
        foreign.requestId = "ldother-1"
        tally.receive(foreign, at: .milliseconds(2600))
        let report = tally.report(durationSeconds: 3, sendingSeconds: 1)
        #expect(abs(report.latencyMs.p50 - 2000) <= 2)
        #expect(report.outcomes == 1 && report.sent == 1 && report.lost == 0)
        #expect(report.timeline.map(\.second) == [0, 2])
    }

    @Test func reportJSONUsesTheDocumentedNames() throws {
        var tally = LoadTally(runId: "ldtest")
        tally.expect(requestId: "ldtest-0", portal: "angiang", channel: "online", expectation: nil, scheduledAt: .zero)
        let data = try tally.report(durationSeconds: 1, sendingSeconds: 1).jsonData()
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(
            Set(object.keys) == [
                "runId", "sent", "sendFailures", "outcomes", "lost", "duplicates", "correct", "incorrect", "transient",
                "unchecked", "expectedDeadLetters", "incorrectExamples", "byStatus", "byKind", "byPortal", "byChannel",
                "sentPerSecond", "outcomesPerSecond", "latencyMs", "durationSeconds", "timeline",
            ]
        )
        let latency = try #require(object["latencyMs"] as? [String: Any])
        #expect(Set(latency.keys) == ["p50", "p90", "p99", "p999", "max"])
        let portal = try #require((object["byPortal"] as? [String: Any])?["angiang"] as? [String: Int])
        #expect(portal == ["sent": 1, "outcomes": 0, "correct": 0, "incorrect": 0, "lost": 1])
        #expect(object["lost"] as? Int == 1)
    }

    @Test func outstandingCountsTheRequestsStillOwedAnOutcome() {
        var tally = LoadTally(runId: "ldtest")
        let deadLetter = Expectation(kind: nil, status: nil, source: .gateway, allowsTransient: false)
        for index in 0..<4 {
            tally.expect(
                requestId: "ldtest-\(index)",
                portal: "angiang",
                channel: "online",
                expectation: nil,
                scheduledAt: .zero
            )
        }
        tally.expect(
            requestId: "ldtest-dl",
            portal: "angiang",
            channel: "online",
            expectation: deadLetter,
            scheduledAt: .zero
        )
        #expect(tally.outstanding == 4, "a dead-letter expectation owes no outcome")
        let outcome = Outcome(
            requestId: "ldtest-0",
            portal: "angiang",
            type: .verify,
            status: .verified,
            message: "",
            errors: [],
            source: .populationDb,
            attempts: 1,
            receivedAt: Date(),
            completedAt: Date()
        )
        tally.receive(outcome, at: .seconds(1))
        tally.receive(outcome, at: .seconds(2))
        tally.receiveUnreadable(requestId: "ldtest-1", at: .seconds(2))
        tally.sendFailed(requestId: "ldtest-2")
        tally.sendFailed(requestId: "ldtest-2")
        #expect(tally.outstanding == 1)
        #expect(tally.report(durationSeconds: 2, sendingSeconds: 1).lost == tally.outstanding)
    }

    @Test func htmlIsSelfContained() throws {
        var tally = LoadTally(runId: "ldtest")
        tally.expect(requestId: "ldtest-0", portal: "angiang", channel: "online", expectation: nil, scheduledAt: .zero)
        let html = tally.report(durationSeconds: 1, sendingSeconds: 1).html()
        #expect(html.contains("<svg") && html.contains("FAILED"))
        // Nothing fetched: no scripts, stylesheets or images from elsewhere.
        for reference in ["<script", "<link", "src=", "url("] {
            #expect(!html.contains(reference), "\(reference)")
        }
    }

    @Test func replayFileRoundTrip() throws {
        let requests = try OracleTests.generated(count: 20).1
        var entries = requests.enumerated().map { index, request in
            ReplayEntry(
                offsetMs: Double(index) * 12.5,
                portal: request.portal,
                key: Array(request.requestId.utf8),
                headers: [
                    .init(name: "trace", bytes: [0xFF, 0x00]), .init(name: "origin", bytes: Array("portal".utf8)),
                ],
                value: request.value,
                expectation: request.expectation
            )
        }
        entries.append(ReplayEntry(offsetMs: 1, portal: "phutho", key: nil, value: [0xC3, 0x28], expectation: nil))
        let text = entries.reversed().map { ReplayFile.line($0) + "\n" }.joined()
        let read = try ReplayFile.entries(in: text)
        #expect(read == entries.sorted { $0.offsetMs < $1.offsetMs })
        #expect(read.first { $0.portal == "phutho" }?.valueBytes == [0xC3, 0x28])
        #expect(read.last?.headers.first?.bytes == [0xFF, 0x00])
        #expect(throws: ReplayFileError.self) { try ReplayFile.entries(in: "{\"offsetMs\": 1}\n") }
    }
}
