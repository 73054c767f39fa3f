/// A binary min-heap of waiting requests by deadline, so that the scheduler finds the next request
/// to expire without scanning every queue. Entries of requests that left another way are skipped
/// lazily by the owner.
struct DeadlineHeap {
    struct Entry {
        let deadline: SchedulingInstant
        let id: UInt64
    }

    private var entries: [Entry] = []

    var count: Int { entries.count }
    var first: Entry? { entries.first }

    mutating func insert(_ entry: Entry) {
        entries.append(entry)
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].deadline < entries[parent].deadline else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    mutating func removeFirst() {
        guard !entries.isEmpty else { return }
        entries.swapAt(0, entries.count - 1)
        entries.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < entries.count, entries[left].deadline < entries[smallest].deadline { smallest = left }
            if right < entries.count, entries[right].deadline < entries[smallest].deadline { smallest = right }
            guard smallest != parent else { return }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
    }

    /// Keeps only the entries `isLive` accepts, so that entries of granted requests with far
    /// deadlines (batch work waits up to a day) do not pile up.
    mutating func retain(where isLive: (UInt64) -> Bool) {
        let live = entries.filter { isLive($0.id) }
        entries = []
        entries.reserveCapacity(live.count)
        for entry in live { insert(entry) }
    }
}
