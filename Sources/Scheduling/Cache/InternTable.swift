/// Strings that many cached records share (place names, codes, vocabulary such as ethnicity),
/// stored once and counted, so that a record holds a small number instead of the text. A string
/// leaves the table when the last record using it leaves the cache, so nothing outlives its TTL.
struct InternTable {
    private var ids: [String: UInt32] = [:]
    private var strings: [String?] = []
    private var references: [UInt32] = []
    private var freeIds: [UInt32] = []
    /// Distinct strings kept at most; beyond it records store their text inline.
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    var count: Int { ids.count }

    /// The id of `text`, counting one more reference, or `nil` when the table is full.
    mutating func retain(_ text: String) -> UInt32? {
        if let id = ids[text] {
            references[Int(id)] += 1
            return id
        }
        guard ids.count < capacity else { return nil }
        let id: UInt32
        if let reused = freeIds.popLast() {
            id = reused
            strings[Int(id)] = text
            references[Int(id)] = 1
        } else {
            id = UInt32(strings.count)
            strings.append(text)
            references.append(1)
        }
        ids[text] = id
        return id
    }

    mutating func release(_ id: UInt32) {
        guard Int(id) < references.count, references[Int(id)] > 0 else { return }
        references[Int(id)] -= 1
        guard references[Int(id)] == 0, let text = strings[Int(id)] else { return }
        ids[text] = nil
        strings[Int(id)] = nil
        freeIds.append(id)
    }

    func string(_ id: UInt32) -> String? {
        Int(id) < strings.count ? strings[Int(id)] : nil
    }
}
