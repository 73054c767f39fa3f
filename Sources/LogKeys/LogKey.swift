/// Every log metadata key of the project, in one table so that log searches, dashboards and scripts can rely
/// on one spelling: camelCase words, behind a dotted namespace where a module names its own lines (`kafka.`,
/// `load.`, `batch.`, `populationDb.`).
public enum LogKey {
    /// On every line about one request, so that a search for it finds all of them.
    public static let requestId = "requestId"
    public static let portal = "portal"
    /// What failed, also where an error is passed to the logger itself (`metadata.error` in JSON lines).
    public static let error = "error"

    /// Always masked (`0012******87`).
    public static let idNumber = "idNumber"
    public static let status = "status"
    public static let source = "source"
    public static let reason = "reason"
    /// The number of the attempt that failed.
    public static let attempt = "attempt"
    /// How many attempts an outcome took.
    public static let attempts = "attempts"
    public static let elapsed = "elapsed"
    public static let matched = "matched"

    public static let topic = "topic"
    public static let partition = "partition"
    public static let partitions = "partitions"
    public static let offset = "offset"
    public static let pattern = "pattern"
    public static let paused = "paused"
    public static let resumed = "resumed"
    public static let inFlight = "inFlight"
    public static let skipped = "skipped"
    public static let allFinished = "allFinished"
    /// Whether a revocation's or a stop's commit was accepted; `scripts/chaos` reads it.
    public static let committed = "committed"
    public static let ownedPartitions = "ownedPartitions"
    public static let requestPartitions = "requestPartitions"

    /// The share of the national quota this instance spends.
    public static let share = "share"
    public static let fromRate = "fromRate"
    public static let toRate = "toRate"

    /// `scripts/chaos` and `scripts/bench-pipeline` find the admin server and the simulator by it.
    public static let url = "url"
    public static let endpoint = "endpoint"
    public static let bootstrap = "bootstrap"
    public static let brokers = "brokers"
    public static let citizens = "citizens"
    public static let seed = "seed"
    public static let faults = "faults"
    public static let httpStatus = "http.status"

    /// Lines of the Kafka layer and of librdkafka itself.
    public enum Kafka {
        public static let error = "kafka.error"
        public static let message = "kafka.message"
        public static let fatal = "kafka.fatal"
        public static let event = "kafka.event"
        public static let facility = "kafka.facility"
        public static let queued = "kafka.queued"
    }

    /// Calls to the population database, from the client and the simulator alike.
    public enum PopulationDB {
        public static let endpoint = "populationDb.endpoint"
        public static let operation = "populationDb.operation"
    }

    /// Lines of `dancu-load`'s runs and recordings.
    public enum Load {
        public static let run = "load.run"
        public static let requests = "load.requests"
        public static let outcomeTopics = "load.outcomeTopics"
        public static let failed = "load.failed"
        public static let error = "load.error"
    }

    /// Lines of a clean-up campaign (`dancu-batch`).
    public enum Batch {
        public static let failed = "batch.failed"
        public static let error = "batch.error"
    }
}
