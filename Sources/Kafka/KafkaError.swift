import CRdKafka

/// An error from the Kafka layer, with what a caller needs to decide: retry or give up.
public struct KafkaError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case configuration(key: String)
        case broker(Int32)
        case closed
        case timedOut
    }

    private let code: Code
    /// librdkafka's words (or ours), never message contents.
    public let message: String
    /// Whether the same operation may succeed when tried again (brokers down, timeouts, leader moves).
    public let isRetriable: Bool
    /// Whether the client is unusable afterwards (e.g. an idempotent producer's fatal error).
    public let isFatal: Bool

    private init(code: Code, message: String, isRetriable: Bool, isFatal: Bool) {
        self.code = code
        self.message = message
        self.isRetriable = isRetriable
        self.isFatal = isFatal
    }

    /// A configuration property librdkafka refused; `key` names it.
    public static func configuration(key: String, message: String) -> KafkaError {
        KafkaError(code: .configuration(key: key), message: message, isRetriable: false, isFatal: true)
    }

    /// The client was closed before the operation finished.
    public static let closed = KafkaError(
        code: .closed,
        message: "the Kafka client is closed",
        isRetriable: false,
        isFatal: true
    )

    /// A bounded wait ran out (flush, topic creation, commit).
    public static func timedOut(_ what: String) -> KafkaError {
        KafkaError(code: .timedOut, message: "\(what) timed out", isRetriable: true, isFatal: false)
    }

    /// An error code from librdkafka (`rd_kafka_resp_err_t`).
    static func broker(_ error: rd_kafka_resp_err_t, message: String? = nil, isFatal: Bool = false) -> KafkaError {
        KafkaError(
            code: .broker(error.rawValue),
            message: message ?? String(cString: rd_kafka_err2str(error)),
            isRetriable: !isFatal && retriableErrors.contains(error),
            isFatal: isFatal
        )
    }

    /// An `rd_kafka_error_t`, which carries its own retriable/fatal flags; destroys it.
    static func consuming(_ error: OpaquePointer) -> KafkaError {
        defer { rd_kafka_error_destroy(error) }
        return KafkaError(
            code: .broker(rd_kafka_error_code(error).rawValue),
            message: String(cString: rd_kafka_error_string(error)),
            isRetriable: rd_kafka_error_is_retriable(error) != 0,
            isFatal: rd_kafka_error_is_fatal(error) != 0
        )
    }

    /// The configuration key this error is about, if it is a configuration error.
    public var configurationKey: String? {
        if case .configuration(let key) = code { return key }
        return nil
    }

    /// librdkafka's error code, when the error came from it.
    public var brokerErrorCode: Int32? {
        if case .broker(let value) = code { return value }
        return nil
    }

    public var description: String {
        switch code {
        case .configuration(let key): "Kafka configuration \(key): \(message)"
        default: "Kafka: \(message)"
        }
    }

    /// Errors that go away by themselves: transport trouble, brokers down or moving, timeouts, full queues.
    private static let retriableErrors: Set<rd_kafka_resp_err_t> = [
        RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT,
        RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE, RD_KAFKA_RESP_ERR__QUEUE_FULL,
        RD_KAFKA_RESP_ERR__RESOLVE, RD_KAFKA_RESP_ERR__WAIT_COORD, RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION,
        RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
        RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
        RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
        RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND, RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
        RD_KAFKA_RESP_ERR_NOT_COORDINATOR, RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
        RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
        RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR, RD_KAFKA_RESP_ERR_FETCH_SESSION_ID_NOT_FOUND,
    ]
}
