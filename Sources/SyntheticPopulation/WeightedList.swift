/// Items with relative integer weights, picked by a uniform 64-bit draw.
struct WeightedList<Element: Sendable>: Sendable {
    let items: [Element]
    /// `cumulative[i]` is the total weight of `items[0...i]`.
    private let cumulative: [UInt64]

    /// `pairs` must hold at least one positive weight.
    init(_ pairs: [(Element, Int)]) {
        items = pairs.map(\.0)
        var running: UInt64 = 0
        cumulative = pairs.map { pair in
            running += UInt64(max(0, pair.1))
            return running
        }
    }

    /// Equal weights.
    init(uniform items: [Element]) {
        self.init(items.map { ($0, 1) })
    }

    var totalWeight: UInt64 { cumulative.last ?? 0 }

    func pick(_ draw: UInt64) -> Element {
        let target = draw.multipliedFullWidth(by: totalWeight).high
        // First item whose cumulative weight exceeds the target.
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] > target { high = middle } else { low = middle + 1 }
        }
        return items[low]
    }
}
