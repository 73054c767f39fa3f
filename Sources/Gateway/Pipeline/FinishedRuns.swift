import Foundation
import Kafka

/// Offsets finished beyond a partition's commit point, as sorted runs that neither overlap nor touch.
///
/// A commit can only say "everything below this offset is done", so the oldest request still waiting (for
/// the quota, say) holds back the commit of everything answered after it, and a crash would answer all of
/// that again. Each commit therefore stores these runs with its offset (Kafka's commit metadata), and
/// whoever resumes the partition skips them: a crash replays only what finished since the last commit,
/// plus the calls in flight (Docs/reliability.md).
struct FinishedRuns: Equatable {
    private(set) var runs: [Range<Int64>] = []

    var isEmpty: Bool { runs.isEmpty }
    var count: Int64 { runs.reduce(0) { $0 + Int64($1.count) } }

    /// Offsets must be added in increasing order.
    mutating func append(_ offset: Int64) {
        append(run: offset..<(offset + 1))
    }

    /// Appends every offset of `other`, whose runs all lie above these.
    mutating func append(contentsOf other: FinishedRuns) {
        for run in other.runs { append(run: run) }
    }

    private mutating func append(run: Range<Int64>) {
        if let last = runs.last, last.upperBound == run.lowerBound {
            runs[runs.count - 1] = last.lowerBound..<run.upperBound
        } else {
            precondition(runs.last.map { $0.upperBound < run.lowerBound } ?? true, "offsets must increase")
            runs.append(run)
        }
    }

    func contains(_ offset: Int64) -> Bool {
        var low = 0
        var high = runs.count
        while low < high {
            let middle = (low + high) / 2
            if runs[middle].upperBound <= offset { low = middle + 1 } else { high = middle }
        }
        return low < runs.count && runs[low].contains(offset)
    }

    /// Forgets the offsets below `offset`: a consumer past them will not be asked about them again.
    mutating func removeAll(below offset: Int64) {
        let firstKept = runs.firstIndex { $0.upperBound > offset } ?? runs.endIndex
        runs.removeFirst(firstKept)
        if let first = runs.first, first.lowerBound < offset { runs[0] = offset..<first.upperBound }
    }

    // MARK: Commit metadata

    /// Tells these runs apart from whatever else a group's metadata might hold; the digit is the format's version.
    private static let prefix = Array("dancu-finished-1:".utf8)

    /// The runs as commit metadata, relative to `base` (the committed offset): alternating gap and length as
    /// LEB128 varints, each gap counted from the end of the previous run, in base64 so that Kafka's own tools
    /// print it. Runs that would not fit in `limit` bytes are left out: those offsets are answered again after
    /// a restart, which at-least-once allows.
    func metadata(base: Int64, limit: Int = CommittedPosition.maxMetadataBytes) -> [UInt8] {
        guard !runs.isEmpty else { return [] }
        // Base64 turns each 3 bytes into 4.
        let rawLimit = (limit - Self.prefix.count) / 4 * 3
        var raw: [UInt8] = []
        var previousEnd = base
        for run in runs where run.lowerBound >= base {
            var encoded: [UInt8] = []
            Self.appendVarint(UInt64(run.lowerBound - previousEnd), to: &encoded)
            Self.appendVarint(UInt64(run.count), to: &encoded)
            guard raw.count + encoded.count <= rawLimit else { break }
            raw += encoded
            previousEnd = run.upperBound
        }
        guard !raw.isEmpty else { return [] }
        return Self.prefix + Array(Data(raw).base64EncodedString().utf8)
    }

    /// Reads what `metadata(base:)` wrote; empty for metadata this gateway did not write or cannot read,
    /// so that those offsets are simply answered again.
    init(metadata: [UInt8], base: Int64) {
        guard metadata.starts(with: Self.prefix),
            let raw = Data(base64Encoded: Data(metadata.dropFirst(Self.prefix.count)))
        else { return }
        var bytes = raw[...]
        var previousEnd = base
        var runs: [Range<Int64>] = []
        while !bytes.isEmpty {
            guard let gap = Self.readVarint(&bytes), let length = Self.readVarint(&bytes), length > 0,
                gap <= UInt64(Int64.max - previousEnd), length <= UInt64(Int64.max - previousEnd) - gap
            else { return }
            let start = previousEnd + Int64(gap)
            runs.append(start..<(start + Int64(length)))
            previousEnd = start + Int64(length)
        }
        self.runs = runs
    }

    init() {}

    private static func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    private static func readVarint(_ bytes: inout Data.SubSequence) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while let byte = bytes.popFirst() {
            guard shift < 64 else { return nil }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        return nil
    }
}
