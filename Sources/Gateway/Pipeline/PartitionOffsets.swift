import DequeModule

/// One partition's messages in flight and the offset that may be committed: the lowest offset not yet
/// finished. A slow message holds back the commit, never the messages after it.
///
/// A plain value: `PartitionLedger` keeps one per assigned partition; `OffsetLedger` does the locking.
struct PartitionOffsets {
    private enum Progress {
        case working, finished
        /// Given up without an outcome (its partition is leaving): no longer in flight, never committed past.
        case withdrawn
    }

    private var pending: Deque<(offset: Int64, progress: Progress)> = []
    /// Where consumption would resume: every offset below it is finished. `nil` until the first finishes.
    private(set) var resumeOffset: Int64?
    /// What was last committed for this partition.
    private(set) var committedOffset: Int64?

    /// Messages begun and neither finished nor withdrawn.
    private(set) var inFlight = 0

    /// Offsets must begin in increasing order, as a partition delivers them.
    mutating func begin(_ offset: Int64) {
        pending.append((offset, .working))
        inFlight += 1
    }

    /// Marks `offset` finished; returns false when it was not in flight (e.g. a duplicate finish).
    @discardableResult
    mutating func finish(_ offset: Int64) -> Bool {
        guard end(offset, as: .finished) else { return false }
        while let first = pending.first, first.progress == .finished {
            resumeOffset = first.offset + 1
            pending.removeFirst()
        }
        return true
    }

    /// Marks `offset` given up: it no longer counts as in flight, and no commit passes it.
    @discardableResult
    mutating func withdraw(_ offset: Int64) -> Bool {
        end(offset, as: .withdrawn)
    }

    private mutating func end(_ offset: Int64, as progress: Progress) -> Bool {
        guard let index = index(of: offset), pending[index].progress == .working else { return false }
        pending[index].progress = progress
        inFlight -= 1
        return true
    }

    /// The offset to commit when it moved since the last commit.
    var offsetToCommit: Int64? {
        guard let resumeOffset, resumeOffset != committedOffset else { return nil }
        return resumeOffset
    }

    mutating func markCommitted(_ offset: Int64) {
        committedOffset = max(committedOffset ?? offset, offset)
    }

    /// Offsets are sorted, so a binary search finds one among thousands in flight.
    private func index(of offset: Int64) -> Int? {
        var low = pending.startIndex
        var high = pending.endIndex
        while low < high {
            let middle = (low + high) / 2
            if pending[middle].offset < offset {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low < pending.endIndex && pending[low].offset == offset ? low : nil
    }
}
