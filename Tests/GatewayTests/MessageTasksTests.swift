import Synchronization
import Testing

@testable import Gateway

@Suite struct MessageTasksTests {
    /// Each started task waits until it is cancelled, then records that it saw the cancellation.
    private func startWaitingForCancellation(
        _ tasks: MessageTasks,
        count: Int,
        started: AsyncStream<Void>.Continuation,
        sawCancellation: Tally
    ) {
        for _ in 0..<count {
            tasks.start {
                started.yield()
                let (never, _) = AsyncStream<Void>.makeStream()
                for await _ in never {}
                if Task.isCancelled { sawCancellation.add() }
            }
        }
    }

    @Test func cancelAllReachesRunningTasksAndTasksStartedLater() async {
        let tasks = MessageTasks()
        let sawCancellation = Tally()
        let (started, startedContinuation) = AsyncStream<Void>.makeStream()
        startWaitingForCancellation(tasks, count: 3, started: startedContinuation, sawCancellation: sawCancellation)
        var iterator = started.makeAsyncIterator()
        for _ in 0..<3 { await iterator.next() }
        #expect(tasks.count == 3)
        tasks.cancelAll()
        startWaitingForCancellation(tasks, count: 2, started: startedContinuation, sawCancellation: sawCancellation)
        await tasks.waitForAll()
        #expect(sawCancellation.value == 5)
        #expect(tasks.count == 0)
    }

    @Test func waitForAllReturnsOnlyWhenEveryTaskHasFinished() async {
        let tasks = MessageTasks()
        let finished = Tally()
        let gate = Gate()
        let waiting = Tally()
        let (allWaiting, everyoneWaits) = AsyncStream<Void>.makeStream()
        for _ in 0..<50 {
            tasks.start {
                if waiting.add() == 50 { everyoneWaits.finish() }
                await gate.passed()
                finished.add()
            }
        }
        for await _ in allWaiting {}
        #expect(finished.value == 0)
        gate.open()
        await tasks.waitForAll()
        #expect(finished.value == 50)
        #expect(tasks.count == 0)
    }
}

/// Holds every task that reaches it until it is opened.
private final class Gate: Sendable {
    private struct State {
        var isOpen = false
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    func passed() async {
        await withCheckedContinuation { continuation in
            let isOpen = state.withLock { state in
                if !state.isOpen { state.waiting.append(continuation) }
                return state.isOpen
            }
            if isOpen { continuation.resume() }
        }
    }

    func open() {
        let waiting = state.withLock { state in
            state.isOpen = true
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume() }
    }
}

private final class Tally: Sendable {
    private let count = Atomic<Int>(0)

    /// The count after this one.
    @discardableResult func add() -> Int { count.add(1, ordering: .relaxed).newValue }

    var value: Int { count.load(ordering: .relaxed) }
}
