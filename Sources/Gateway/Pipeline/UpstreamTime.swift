import Synchronization

/// The time one request spent in population-database exchanges, so that what the gateway itself adds to
/// the request's latency (everything else, up to the outcome's acknowledgement) can be measured.
final class UpstreamTime: Sendable {
    private let nanoseconds = Atomic<Int64>(0)

    func add(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        nanoseconds.add(seconds * 1_000_000_000 + attoseconds / 1_000_000_000, ordering: .relaxed)
    }

    var total: Duration { .nanoseconds(nanoseconds.load(ordering: .relaxed)) }
}
