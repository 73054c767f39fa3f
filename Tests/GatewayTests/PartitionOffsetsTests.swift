import Kafka
import Testing

@testable import Gateway

/// The commit of one partition: the lowest offset not finished, whatever order work ends in, and what finished
/// beyond it, so that whoever resumes the partition answers again only what finished since.
@Suite struct PartitionOffsetsTests {
    @Test func theCommitPointStopsBelowTheFirstUnfinishedOffset() throws {
        var offsets = PartitionOffsets()
        for offset in Int64(10)..<15 { offsets.begin(offset) }
        #expect(offsets.inFlight == 5)
        #expect(offsets.commit == nil)
        offsets.finish(12)
        offsets.finish(11)
        let early = try #require(offsets.commit).position
        #expect(early.offset == 10)
        #expect(FinishedRuns(metadata: early.metadata, base: 10).runs == [11..<13])
        offsets.finish(10)
        #expect(offsets.commit?.position == CommittedPosition(offset: 13))
        #expect(offsets.inFlight == 2)
        let finishedAgain = offsets.finish(10)
        #expect(!finishedAgain)
        #expect(offsets.inFlight == 2)
    }

    @Test func aWithdrawnOffsetLeavesTheWorkInFlightButHoldsTheCommitForever() throws {
        var offsets = PartitionOffsets()
        for offset in Int64(0)..<4 { offsets.begin(offset) }
        offsets.finish(0)
        let withdrawn = offsets.withdraw(1)
        #expect(withdrawn)
        offsets.finish(2)
        offsets.finish(3)
        #expect(offsets.inFlight == 0)
        // Offset 1 goes to the next owner: nothing at or past it is committed here, and 2 and 3 are skipped there.
        let position = try #require(offsets.commit).position
        #expect(position.offset == 1)
        #expect(FinishedRuns(metadata: position.metadata, base: 1).runs == [2..<4])
        let finishedLater = offsets.finish(1)
        let withdrawnAgain = offsets.withdraw(1)
        #expect(!finishedLater && !withdrawnAgain)
        #expect(offsets.commit?.position.offset == 1)
    }

    @Test func aCommitTakenWhileWorkFinishesDoesNotPassForTheLatest() throws {
        var offsets = PartitionOffsets()
        for offset in Int64(0)..<3 { offsets.begin(offset) }
        offsets.finish(1)
        let taken = try #require(offsets.commit)
        offsets.finish(2)
        offsets.markCommitted(taken)
        let next = try #require(offsets.commit).position
        #expect(FinishedRuns(metadata: next.metadata, base: next.offset).runs == [1..<3])
        offsets.markCommitted(try #require(offsets.commit))
        #expect(offsets.commit == nil)
    }

    @Test func offsetsFinishedBeforeTheAssignmentAreSkippedAndStayInTheNextCommit() throws {
        var previous = FinishedRuns()
        for offset: Int64 in [102, 103, 107] { previous.append(offset) }
        var offsets = PartitionOffsets()
        #expect(offsets.restore(CommittedPosition(offset: 100, metadata: previous.metadata(base: 100))) == 3)
        let processed = (Int64(100)..<105).map { offsets.begin($0) }
        #expect(processed == [true, true, false, false, true])
        #expect(offsets.inFlight == 3)
        offsets.finish(101)
        // 107 was never polled here, yet it must survive this commit: otherwise a second restart answers it.
        let position = try #require(offsets.commit).position
        #expect(position.offset == 100)
        #expect(FinishedRuns(metadata: position.metadata, base: 100).runs == [101..<104, 107..<108])
        offsets.finish(100)
        #expect(offsets.commit?.position.offset == 104)
    }
}

/// Runs of finished offsets, and their form in Kafka's commit metadata.
@Suite struct FinishedRunsTests {
    @Test func runsSurviveTheRoundTripThroughCommitMetadata() {
        var runs = FinishedRuns()
        for offset: Int64 in [5, 6, 7, 9, 300, 1_000_000, 1_000_001] { runs.append(offset) }
        #expect(runs.runs == [5..<8, 9..<10, 300..<301, 1_000_000..<1_000_002])
        #expect(runs.count == 7)
        let metadata = runs.metadata(base: 4)
        #expect(metadata.allSatisfy { $0 >= 0x20 && $0 < 0x7F }, "printable, for Kafka's own tools")
        #expect(FinishedRuns(metadata: metadata, base: 4) == runs)
        #expect([4, 8, 299, 1_000_002].allSatisfy { !runs.contains($0) })
        #expect([5, 7, 9, 1_000_001].allSatisfy { runs.contains($0) })
    }

    @Test func runsThatWouldNotFitAreLeftOutFromTheTop() {
        var runs = FinishedRuns()
        for offset in stride(from: Int64(1), to: 20_000, by: 2) { runs.append(offset) }
        let metadata = runs.metadata(base: 0, limit: 200)
        #expect(metadata.count <= 200)
        let kept = FinishedRuns(metadata: metadata, base: 0)
        #expect(kept.count > 50 && kept.count < runs.count)
        #expect(kept.runs == Array(runs.runs.prefix(kept.runs.count)))
    }

    @Test func metadataThisGatewayDidNotWriteSkipsNothing() {
        #expect(FinishedRuns(metadata: Array("some other tool".utf8), base: 0).isEmpty)
        #expect(FinishedRuns(metadata: Array("dancu-finished-1:!!!".utf8), base: 0).isEmpty)
        // A varint that never ends.
        #expect(FinishedRuns(metadata: Array("dancu-finished-1:gICA".utf8), base: 0).isEmpty)
        #expect(FinishedRuns(metadata: [], base: 0).isEmpty)
    }

    @Test func removingBelowAnOffsetTrimsTheRunItFallsIn() {
        var runs = FinishedRuns()
        for offset: Int64 in [1, 2, 3, 4, 8] { runs.append(offset) }
        runs.removeAll(below: 3)
        #expect(runs.runs == [3..<5, 8..<9])
        runs.removeAll(below: 6)
        #expect(runs.runs == [8..<9])
    }
}
