import DurationUnits

/// A least-recently-used map whose entries also expire, bounded by entry count and by an estimate
/// of their bytes. Nodes live in one array linked by indices, which keeps a million entries to a
/// few allocations.
struct ExpiringLRU<Key: Hashable, Value> {
    enum Lookup {
        case hit(Value)
        case miss
    }

    private struct Node {
        var key: Key
        /// `nil` once removed, so that a freed slot keeps no personal data.
        var value: Value?
        var bytes: Int32
        /// Nanoseconds since the clock's start: half the size of an instant, for a million nodes.
        var expires: Int64
        var newer: Int32
        var older: Int32
    }

    private static var none: Int32 { -1 }

    let maxEntries: Int
    let maxBytes: Int
    private var nodes: [Node] = []
    private var freeSlots: [Int32] = []
    private var index: [Key: Int32] = [:]
    private var newest = Self.none
    private var oldest = Self.none
    private(set) var bytes = 0
    private(set) var evictions = 0
    /// Values that left (expired, evicted, replaced) since the last `takeRemoved()`.
    private var removed: [Value] = []

    init(maxEntries: Int, maxBytes: Int) {
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
    }

    var count: Int { index.count }

    /// The live value for `key`, which becomes the most recently used; an expired entry is removed.
    mutating func value(for key: Key, now: SchedulingInstant) -> Lookup {
        guard let slot = index[key] else { return .miss }
        guard nodes[Int(slot)].expires > Self.nanoseconds(now) else {
            remove(slot: slot)
            return .miss
        }
        guard let value = nodes[Int(slot)].value else { return .miss }
        unlink(slot)
        linkAsNewest(slot)
        return .hit(value)
    }

    /// Stores `value` until `expires`, evicting least recently used entries to stay within bounds.
    /// A value larger than the whole byte bound is not stored.
    mutating func insert(_ value: Value, for key: Key, bytes entryBytes: Int, expires: SchedulingInstant) {
        if let existing = index[key] { remove(slot: existing) }
        guard entryBytes <= maxBytes, entryBytes <= Int(Int32.max), maxEntries > 0 else { return }
        while oldest != Self.none, count >= maxEntries || bytes + entryBytes > maxBytes {
            remove(slot: oldest)
            evictions += 1
        }
        let node = Node(
            key: key,
            value: value,
            bytes: Int32(entryBytes),
            expires: Self.nanoseconds(expires),
            newer: Self.none,
            older: Self.none
        )
        let slot: Int32
        if let reused = freeSlots.popLast() {
            slot = reused
            nodes[Int(slot)] = node
        } else {
            slot = Int32(nodes.count)
            nodes.append(node)
        }
        index[key] = slot
        bytes += entryBytes
        linkAsNewest(slot)
    }

    /// The values removed since the last call, for the owner to release what they hold.
    mutating func takeRemoved() -> [Value] {
        defer { removed = [] }
        return removed
    }

    private mutating func remove(slot: Int32) {
        unlink(slot)
        let node = nodes[Int(slot)]
        index[node.key] = nil
        if let value = node.value { removed.append(value) }
        nodes[Int(slot)].value = nil
        bytes -= Int(node.bytes)
        freeSlots.append(slot)
    }

    private mutating func unlink(_ slot: Int32) {
        let node = nodes[Int(slot)]
        if node.newer != Self.none { nodes[Int(node.newer)].older = node.older } else { newest = node.older }
        if node.older != Self.none { nodes[Int(node.older)].newer = node.newer } else { oldest = node.newer }
        nodes[Int(slot)].newer = Self.none
        nodes[Int(slot)].older = Self.none
    }

    private mutating func linkAsNewest(_ slot: Int32) {
        nodes[Int(slot)].older = newest
        if newest != Self.none { nodes[Int(newest)].newer = slot }
        newest = slot
        if oldest == Self.none { oldest = slot }
    }

    private static func nanoseconds(_ instant: SchedulingInstant) -> Int64 {
        instant.sinceStart.inNanoseconds
    }
}
