import DanCuContract

/// Everything a run has seen so far; matched by `requestId`, checked as outcomes arrive.
/// A value type, kept behind a lock by the runner and driven directly by tests.
struct LoadTally: Sendable {
    private struct Awaited: Sendable {
        var portal: String
        var channel: String
        var expectation: Expectation?
        var scheduledAt: Duration

        /// Replayed traffic without an expectation is owed an outcome too; a dead letter is not.
        var owesOutcome: Bool { expectation.map { $0.status != nil } ?? true }
    }

    private struct Second: Sendable {
        var sent = 0
        var outcomes = 0
        var latencySeconds = 0.0
        var maxLatencySeconds = 0.0
    }

    static let exampleLimit = 10

    let runId: String
    private var awaited: [String: Awaited] = [:]
    /// Awaited requests owed an outcome (a dead-letter expectation owes none), kept as they change: counting
    /// them was a scan of every awaited request after every poll, most of the load tool's CPU while a
    /// backlog drained.
    private(set) var outstanding = 0
    private var answered: [String: Awaited] = [:]
    private var failedSends: Set<String> = []
    private(set) var sent = 0
    private(set) var outcomes = 0
    private var duplicates = 0
    private var correct = 0
    private var incorrect = 0
    private var transient = 0
    private var unchecked = 0
    private var expectedDeadLetters = 0
    private var examples: [LoadReport.IncorrectExample] = []
    private var byStatus: [String: Int] = [:]
    private var byKind: [String: Int] = [:]
    private var byPortal: [String: LoadReport.GroupCounts] = [:]
    private var byChannel: [String: LoadReport.GroupCounts] = [:]
    private var seconds: [Int: Second] = [:]
    private var latencies = LatencyRecorder()
    private(set) var lastOutcomeAt: Duration = .zero

    init(runId: String) {
        self.runId = runId
    }

    /// Called before the request is handed to the producer, so that even the fastest outcome finds it.
    mutating func expect(
        requestId: String,
        portal: String,
        channel: String,
        expectation: Expectation?,
        scheduledAt: Duration
    ) {
        let request = Awaited(portal: portal, channel: channel, expectation: expectation, scheduledAt: scheduledAt)
        if let replaced = awaited.updateValue(request, forKey: requestId), replaced.owesOutcome { outstanding -= 1 }
        if request.owesOutcome { outstanding += 1 }
        sent += 1
        byPortal[portal, default: .init()].sent += 1
        byChannel[channel, default: .init()].sent += 1
        seconds[Self.second(of: scheduledAt), default: .init()].sent += 1
        if let kind = expectation?.kind { byKind[kind.rawValue, default: 0] += 1 }
        if let expectation, expectation.status == nil { expectedDeadLetters += 1 }
    }

    mutating func sendFailed(requestId: String) {
        guard let request = removeAwaited(requestId) else { return }
        failedSends.insert(requestId)
        sent -= 1
        byPortal[request.portal, default: .init()].sent -= 1
        byChannel[request.channel, default: .init()].sent -= 1
    }

    /// Whether `key` names a request of this run (outcomes of other runs share the topics).
    func belongsToRun(_ requestId: String) -> Bool {
        requestId.hasPrefix(runId + "-")
    }

    /// An outcome whose value could not be read as the contract's JSON.
    mutating func receiveUnreadable(requestId: String, at receivedAt: Duration) {
        guard belongsToRun(requestId) else { return }
        guard let request = removeAwaited(requestId) else {
            if answered[requestId] != nil { duplicates += 1 }
            return
        }
        answered[requestId] = request
        countOutcome(request, status: nil, at: receivedAt)
        judge(request, requestId: requestId, receivedStatus: nil, .incorrect("outcome is not the contract's JSON"))
    }

    mutating func receive(_ outcome: Outcome, at receivedAt: Duration) {
        let requestId = outcome.requestId
        guard belongsToRun(requestId) else { return }
        guard let request = removeAwaited(requestId) else {
            if answered[requestId] != nil {
                duplicates += 1
            } else if !failedSends.contains(requestId) {
                incorrect += 1
                appendExample(
                    requestId: requestId,
                    portal: outcome.portal,
                    kind: nil,
                    expected: nil,
                    received: outcome.status.rawValue,
                    reason: "an outcome for a request this run never sent"
                )
            }
            return
        }
        answered[requestId] = request
        byStatus[outcome.status.rawValue, default: 0] += 1
        countOutcome(request, status: outcome.status, at: receivedAt)
        var verdict = request.expectation?.check(outcome)
        if verdict == .correct, outcome.portal != request.portal {
            verdict = .incorrect("portal \(outcome.portal), expected \(request.portal)")
        }
        judge(request, requestId: requestId, receivedStatus: outcome.status.rawValue, verdict)
    }

    private mutating func removeAwaited(_ requestId: String) -> Awaited? {
        guard let request = awaited.removeValue(forKey: requestId) else { return nil }
        if request.owesOutcome { outstanding -= 1 }
        return request
    }

    var progress: (sent: Int, outcomes: Int, outstanding: Int) { (sent, outcomes, outstanding) }

    func report(durationSeconds: Double, sendingSeconds: Double) -> LoadReport {
        var byPortal = byPortal
        var byChannel = byChannel
        var lost = 0
        for request in awaited.values where request.owesOutcome {
            lost += 1
            byPortal[request.portal, default: .init()].lost += 1
            byChannel[request.channel, default: .init()].lost += 1
        }
        let lastOutcomeSeconds = lastOutcomeAt / .seconds(1)
        let timeline = seconds.keys.sorted().map { second in
            let bucket = seconds[second] ?? Second()
            return LoadReport.TimelinePoint(
                second: second,
                sent: bucket.sent,
                outcomes: bucket.outcomes,
                meanLatencyMs: bucket.outcomes > 0 ? bucket.latencySeconds * 1000 / Double(bucket.outcomes) : 0,
                maxLatencyMs: bucket.maxLatencySeconds * 1000
            )
        }
        return LoadReport(
            runId: runId,
            sent: sent,
            sendFailures: failedSends.count,
            outcomes: outcomes,
            lost: lost,
            duplicates: duplicates,
            correct: correct,
            incorrect: incorrect,
            transient: transient,
            unchecked: unchecked,
            expectedDeadLetters: expectedDeadLetters,
            incorrectExamples: examples,
            byStatus: byStatus,
            byKind: byKind,
            byPortal: byPortal,
            byChannel: byChannel,
            sentPerSecond: sendingSeconds > 0 ? Double(sent) / sendingSeconds : Double(sent),
            outcomesPerSecond: lastOutcomeSeconds > 0 ? Double(outcomes) / lastOutcomeSeconds : 0,
            latencyMs: latencies.summary,
            durationSeconds: durationSeconds,
            timeline: timeline
        )
    }

    // MARK: - Counting

    private mutating func countOutcome(_ request: Awaited, status: OutcomeStatus?, at receivedAt: Duration) {
        outcomes += 1
        lastOutcomeAt = max(lastOutcomeAt, receivedAt)
        byPortal[request.portal, default: .init()].outcomes += 1
        byChannel[request.channel, default: .init()].outcomes += 1
        let latency = receivedAt - request.scheduledAt
        latencies.record(latency)
        let latencySeconds = max(0, latency / .seconds(1))
        let second = Self.second(of: receivedAt)
        seconds[second, default: .init()].outcomes += 1
        seconds[second, default: .init()].latencySeconds += latencySeconds
        seconds[second, default: .init()].maxLatencySeconds = max(
            seconds[second]?.maxLatencySeconds ?? 0,
            latencySeconds
        )
    }

    private mutating func judge(_ request: Awaited, requestId: String, receivedStatus: String?, _ verdict: Verdict?) {
        switch verdict {
        case nil:
            unchecked += 1
        case .correct:
            correct += 1
            byPortal[request.portal, default: .init()].correct += 1
            byChannel[request.channel, default: .init()].correct += 1
        case .transient:
            transient += 1
        case .incorrect(let reason):
            incorrect += 1
            byPortal[request.portal, default: .init()].incorrect += 1
            byChannel[request.channel, default: .init()].incorrect += 1
            appendExample(
                requestId: requestId,
                portal: request.portal,
                kind: request.expectation?.kind?.rawValue,
                expected: request.expectation?.status?.rawValue,
                received: receivedStatus,
                reason: reason
            )
        }
    }

    private mutating func appendExample(
        requestId: String,
        portal: String,
        kind: String?,
        expected: String?,
        received: String?,
        reason: String
    ) {
        guard examples.count < Self.exampleLimit else { return }
        examples.append(
            .init(
                requestId: requestId,
                portal: portal,
                kind: kind,
                expectedStatus: expected,
                receivedStatus: received,
                reason: reason
            )
        )
    }

    private static func second(of offset: Duration) -> Int {
        max(0, Int(offset.components.seconds))
    }
}
