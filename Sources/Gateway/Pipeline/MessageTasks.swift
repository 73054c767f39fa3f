import Synchronization

/// The tasks processing messages, one per message, kept so that they can be cancelled and awaited.
///
/// Not a task group: the runtime finds a finishing child by walking the group's list of children, so with
/// thousands of requests waiting for the quota every finish cost thousands of steps (a tenth of the
/// gateway's CPU at 1,000 requests/s). Here a finish is one dictionary removal.
final class MessageTasks: Sendable {
    private struct State {
        var tasks: [UInt64: Task<Void, Never>] = [:]
        var nextId: UInt64 = 0
        var cancelled = false
    }

    private let state = Mutex(State())

    var count: Int { state.withLock { $0.tasks.count } }

    /// Runs `operation` in a task of its own, cancelled already when `cancelAll` has been called.
    func start(_ operation: @escaping @Sendable () async -> Void) {
        state.withLock { state in
            let id = state.nextId
            state.nextId += 1
            // Registered under the lock the task's own removal takes, so a task that finishes at once
            // cannot be removed before it is added.
            let task = Task { [self] in
                await operation()
                _ = self.state.withLock { $0.tasks.removeValue(forKey: id) }
            }
            if state.cancelled { task.cancel() }
            state.tasks[id] = task
        }
    }

    /// Cancels every running task and every task started from now on.
    func cancelAll() {
        let running = state.withLock { state in
            state.cancelled = true
            return Array(state.tasks.values)
        }
        for task in running { task.cancel() }
    }

    /// Returns when every task started so far has finished.
    func waitForAll() async {
        while let task = state.withLock({ $0.tasks.values.first }) {
            await task.value
        }
    }
}
