import Foundation
import Synchronization

/// Runs `iteration` over and over on a dedicated thread until stopped.
///
/// librdkafka's polls block for up to their timeout; on a thread of their own they never hold up
/// Swift's cooperative pool.
final class PollLoop: Sendable {
    /// Shared with the thread, which must not keep the loop object itself alive.
    private final class Control: Sendable {
        let stopped = Atomic<Bool>(false)
        let finished = DispatchSemaphore(value: 0)
    }

    private let control = Control()
    private let wake: @Sendable () -> Void

    /// - Parameter wake: interrupts a blocking iteration, so that `stop` need not wait out a poll timeout.
    init(name: String, wake: @escaping @Sendable () -> Void, iteration: @escaping @Sendable () -> Void) {
        self.wake = wake
        let control = self.control
        let thread = Thread {
            while !control.stopped.load(ordering: .acquiring) {
                iteration()
            }
            control.finished.signal()
        }
        thread.name = name
        thread.start()
    }

    var isStopped: Bool { control.stopped.load(ordering: .acquiring) }

    /// Stops the loop and waits for the iteration in progress to end (at most one poll timeout).
    func stop() {
        let (exchanged, _) = control.stopped.compareExchange(
            expected: false,
            desired: true,
            ordering: .acquiringAndReleasing
        )
        guard exchanged else { return }
        wake()
        control.finished.wait()
    }
}
