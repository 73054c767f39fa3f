import Testing

@testable import Gateway

/// The commit point of one partition: the lowest offset not finished, whatever order work ends in.
@Suite struct PartitionOffsetsTests {
    @Test func theCommitPointStopsBelowTheFirstUnfinishedOffset() {
        var offsets = PartitionOffsets()
        for offset in Int64(10)..<15 { offsets.begin(offset) }
        #expect(offsets.inFlight == 5)
        offsets.finish(12)
        offsets.finish(11)
        #expect(offsets.offsetToCommit == nil)
        offsets.finish(10)
        #expect(offsets.offsetToCommit == 13)
        #expect(offsets.inFlight == 2)
        let finishedAgain = offsets.finish(10)
        #expect(!finishedAgain)
        #expect(offsets.inFlight == 2)
    }

    @Test func aWithdrawnOffsetLeavesTheWorkInFlightButHoldsTheCommitForever() {
        var offsets = PartitionOffsets()
        for offset in Int64(0)..<4 { offsets.begin(offset) }
        offsets.finish(0)
        let withdrawn = offsets.withdraw(1)
        #expect(withdrawn)
        offsets.finish(2)
        offsets.finish(3)
        #expect(offsets.inFlight == 0)
        // Offset 1 goes to the next owner: nothing at or past it is committed here.
        #expect(offsets.offsetToCommit == 1)
        let finishedLater = offsets.finish(1)
        let withdrawnAgain = offsets.withdraw(1)
        #expect(!finishedLater && !withdrawnAgain)
        #expect(offsets.offsetToCommit == 1)
    }
}
