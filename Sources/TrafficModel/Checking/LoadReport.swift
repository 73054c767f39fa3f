/// The result of a run: what was sent, what came back, whether it was right, how fast.
/// Written as JSON with these names (see Docs/load-testing.md).
public struct LoadReport: Sendable, Hashable, Codable {
    /// Prefix of the run's request ids.
    public var runId: String
    /// Requests the broker acknowledged.
    public var sent: Int
    /// Requests the producer could not deliver (never answered, so counted apart from `lost`).
    public var sendFailures: Int
    /// Requests with at least one outcome.
    public var outcomes: Int
    /// Requests that expected an outcome and had none by the drain timeout.
    public var lost: Int
    /// Outcomes beyond the first for the same request.
    public var duplicates: Int
    public var correct: Int
    public var incorrect: Int
    /// `expired` / `unavailable` where the request needed the population database: allowed, not correct.
    public var transient: Int
    /// Outcomes of replayed requests that carry no expectation: counted and timed, not checked.
    public var unchecked: Int
    /// Messages expected to be dead-lettered, so no outcome is awaited for them.
    public var expectedDeadLetters: Int
    /// The first few incorrect outcomes, without personal data.
    public var incorrectExamples: [IncorrectExample]
    /// First outcomes by `status`.
    public var byStatus: [String: Int]
    /// Requests by generated kind (generated and expectation-carrying replayed traffic).
    public var byKind: [String: Int]
    public var byPortal: [String: GroupCounts]
    public var byChannel: [String: GroupCounts]
    /// `sent` over the sending time (first to last scheduled send).
    public var sentPerSecond: Double
    /// `outcomes` over the time from the start to the last outcome.
    public var outcomesPerSecond: Double
    /// Outcome received minus the request's scheduled send time.
    public var latencyMs: LatencySummary
    /// From the first send to the end of draining.
    public var durationSeconds: Double
    /// Per second of the run, for the charts.
    public var timeline: [TimelinePoint]

    /// Nothing lost, nothing incorrect, everything delivered.
    public var passed: Bool { lost == 0 && incorrect == 0 && sendFailures == 0 }

    public struct IncorrectExample: Sendable, Hashable, Codable {
        public var requestId: String
        public var portal: String
        public var kind: String?
        public var expectedStatus: String?
        public var receivedStatus: String?
        public var reason: String
    }

    public struct GroupCounts: Sendable, Hashable, Codable {
        public var sent = 0
        public var outcomes = 0
        public var correct = 0
        public var incorrect = 0
        public var lost = 0
    }

    public struct TimelinePoint: Sendable, Hashable, Codable {
        /// Seconds since the start of the run.
        public var second: Int
        /// Requests scheduled in this second.
        public var sent: Int
        /// First outcomes received in this second.
        public var outcomes: Int
        public var meanLatencyMs: Double
        public var maxLatencyMs: Double
    }
}
