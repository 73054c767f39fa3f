import DurationUnits
import Synchronization

/// The time one request spent in population-database exchanges, so that what the gateway itself adds to
/// the request's latency (everything else, up to the outcome's acknowledgement) can be measured.
final class UpstreamTime: Sendable {
    private let nanoseconds = Atomic<Int64>(0)

    func add(_ duration: Duration) {
        nanoseconds.add(duration.inNanoseconds, ordering: .relaxed)
    }

    var total: Duration { .nanoseconds(nanoseconds.load(ordering: .relaxed)) }
}
