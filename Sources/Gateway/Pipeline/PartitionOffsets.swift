import DequeModule
import Kafka

/// One partition's messages in flight and what may be committed: the lowest offset not yet finished, with
/// the offsets finished beyond it (`FinishedRuns`), so that a slow message holds back neither the messages
/// after it nor, after a restart, makes them be answered again.
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
    /// Offsets the previous owner finished beyond its commit point, not yet polled here: they are skipped.
    private var finishedBeforeAssignment = FinishedRuns()
    /// Counts every change to what is finished, so that a commit made while work finishes is not taken
    /// for the latest.
    private var version = 0
    private var committedVersion = 0

    /// Messages begun and neither finished nor withdrawn.
    private(set) var inFlight = 0

    /// What a commit stores: the point below which everything is finished, the runs finished beyond it, and
    /// the version it reflects.
    struct Commit: Equatable, Sendable {
        let position: CommittedPosition
        fileprivate let version: Int
    }

    /// Takes the runs the last commit stored (before anything is polled): those offsets will be skipped.
    /// Returns how many offsets that is.
    @discardableResult
    mutating func restore(_ position: CommittedPosition) -> Int64 {
        finishedBeforeAssignment = FinishedRuns(metadata: position.metadata, base: position.offset)
        return finishedBeforeAssignment.count
    }

    /// Offsets must begin in increasing order, as a partition delivers them. Returns false for an offset
    /// finished before the partition was assigned here: it is finished at once and must not be processed.
    @discardableResult
    mutating func begin(_ offset: Int64) -> Bool {
        let finishedBefore = finishedBeforeAssignment.contains(offset)
        finishedBeforeAssignment.removeAll(below: offset + 1)
        guard !finishedBefore else {
            pending.append((offset, .finished))
            advanceResumeOffset()
            return false
        }
        pending.append((offset, .working))
        inFlight += 1
        return true
    }

    /// Marks `offset` finished; returns false when it was not in flight (e.g. a duplicate finish).
    @discardableResult
    mutating func finish(_ offset: Int64) -> Bool {
        guard end(offset, as: .finished) else { return false }
        version += 1
        advanceResumeOffset()
        return true
    }

    private mutating func advanceResumeOffset() {
        while let first = pending.first, first.progress == .finished {
            resumeOffset = first.offset + 1
            pending.removeFirst()
        }
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

    /// What to commit when anything finished since the last commit.
    var commit: Commit? {
        guard version != committedVersion, let base = resumeOffset ?? pending.first?.offset else { return nil }
        var finished = FinishedRuns()
        for entry in pending where entry.progress == .finished { finished.append(entry.offset) }
        finished.append(contentsOf: finishedBeforeAssignment)
        return Commit(
            position: CommittedPosition(offset: base, metadata: finished.metadata(base: base)),
            version: version
        )
    }

    mutating func markCommitted(_ commit: Commit) {
        committedOffset = max(committedOffset ?? commit.position.offset, commit.position.offset)
        committedVersion = max(committedVersion, commit.version)
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
