/// Where a consumer group resumes a partition, and the few bytes it keeps with that offset (Kafka's commit
/// metadata: brokers refuse more than `offset.metadata.max.bytes`, 4,096 by default).
public struct CommittedPosition: Sendable, Hashable {
    public var offset: Int64
    public var metadata: [UInt8]

    public init(offset: Int64, metadata: [UInt8] = []) {
        self.offset = offset
        self.metadata = metadata
    }

    /// What every broker accepts by default.
    public static let maxMetadataBytes = 4_096
}
