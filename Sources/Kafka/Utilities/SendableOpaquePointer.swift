/// An `OpaquePointer` to a librdkafka object that is safe to use from several threads.
///
/// librdkafka documents `rd_kafka_t`, `rd_kafka_queue_t` and `rd_kafka_mock_cluster_t` as thread-safe;
/// this wrapper only carries such handles across concurrency domains. The owning class
/// (`RDKafkaClient`, `EmbeddedKafkaCluster`) decides their lifetime.
struct SendableOpaquePointer: @unchecked Sendable {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) {
        self.pointer = pointer
    }
}
