import Crypto
import DanCuContract
import Foundation
import Kafka

/// A message on the dead-letter topic, built so that it always fits: a dead letter the broker refuses leaves
/// its message unanswerable and its partition's commit frozen.
///
/// A message within `requests.maxMessageBytes` is copied whole. One over it keeps at most `copiedKeyBytes` of
/// its key, its headers while they fit in `copiedHeadersBytes` (at most `copiedHeadersCount` of them), and its
/// value only when what is copied stays within the limit; whatever was cut is named by its original size and
/// SHA-256 in headers, so the original can still be recognised. With the gateway's own headers (their values
/// short and bounded), a dead letter is at most `max(limit, copiedKeyBytes + copiedHeadersBytes)` plus
/// `gatewayHeadersBytes` bytes: `RequestPolicy.largestMaxMessageBytes` keeps that under librdkafka's default
/// `message.max.bytes`.
struct DeadLetter {
    /// The dead letter with the original value when it fits.
    let record: KafkaRecord
    /// The same without the value, for a dead-letter topic whose own limit is lower than the gateway's.
    let withoutValue: KafkaRecord

    static let copiedKeyBytes = 1_024
    static let copiedHeadersBytes = 8_192
    static let copiedHeadersCount = 64
    /// A generous bound on the headers the gateway adds (names and values, broker overhead included).
    static let gatewayHeadersBytes = 4_096

    /// On a dead letter whose original value could not be copied: the value's size in bytes.
    static let valueOmittedHeader = "dancu-value-omitted"
    static let originalKeyBytesHeader = "dancu-original-key-bytes"
    static let originalKeySHA256Header = "dancu-original-key-sha256"
    static let originalHeadersBytesHeader = "dancu-original-headers-bytes"
    static let originalHeadersCountHeader = "dancu-original-headers-count"
    /// SHA-256 over every original header in order: name length (4 bytes, big-endian), name, value length
    /// (4 bytes, big-endian; `ffffffff` for no value), value.
    static let originalHeadersSHA256Header = "dancu-original-headers-sha256"
    static let originalValueSHA256Header = "dancu-original-value-sha256"

    init(of message: KafkaMessage, reason: String, topic: String, limit: Int) {
        let source = [
            KafkaHeader(name: DeadLetterHeader.error, string: reason),
            KafkaHeader(name: DeadLetterHeader.sourceTopic, string: message.topic),
            KafkaHeader(name: DeadLetterHeader.sourcePartition, string: String(message.partition)),
            KafkaHeader(name: DeadLetterHeader.sourceOffset, string: String(message.offset)),
        ]
        let valueBytes = message.value?.count ?? 0
        let valueOmitted = [
            KafkaHeader(name: Self.valueOmittedHeader, string: String(valueBytes)),
            KafkaHeader(name: Self.originalValueSHA256Header, string: Self.sha256(message.value ?? [])),
        ]
        let keyAndHeadersBytes = PortalHeaders.keyAndHeadersBytes(of: message)
        if keyAndHeadersBytes <= limit, valueBytes <= limit - keyAndHeadersBytes {
            let headers = message.headers + source
            record = KafkaRecord(topic: topic, key: message.key, value: message.value, headers: headers)
            withoutValue = KafkaRecord(topic: topic, key: message.key, value: nil, headers: headers + valueOmitted)
            return
        }
        var notes: [KafkaHeader] = []
        var key = message.key
        if let original = message.key, original.count > Self.copiedKeyBytes {
            key = Array(original.prefix(Self.copiedKeyBytes))
            notes += [
                KafkaHeader(name: Self.originalKeyBytesHeader, string: String(original.count)),
                KafkaHeader(name: Self.originalKeySHA256Header, string: Self.sha256(original)),
            ]
        }
        var copied: [KafkaHeader] = []
        var copiedBytes = 0
        for header in message.headers {
            let size = header.name.utf8.count + (header.value?.count ?? 0)
            guard copied.count < Self.copiedHeadersCount, copiedBytes + size <= Self.copiedHeadersBytes else { break }
            copied.append(header)
            copiedBytes += size
        }
        if copied.count < message.headers.count {
            notes += [
                KafkaHeader(
                    name: Self.originalHeadersBytesHeader,
                    string: String(keyAndHeadersBytes - (message.key?.count ?? 0))
                ),
                KafkaHeader(name: Self.originalHeadersCountHeader, string: String(message.headers.count)),
                KafkaHeader(name: Self.originalHeadersSHA256Header, string: Self.sha256(of: message.headers)),
            ]
        }
        let headers = copied + notes + source
        let copiedSoFar = (key?.count ?? 0) + copiedBytes
        withoutValue = KafkaRecord(topic: topic, key: key, value: nil, headers: headers + valueOmitted)
        record =
            copiedSoFar + valueBytes <= limit
            ? KafkaRecord(topic: topic, key: key, value: message.value, headers: headers) : withoutValue
    }

    private static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).lowercaseHex
    }

    private static func sha256(of headers: [KafkaHeader]) -> String {
        var hash = SHA256()
        func length(_ count: UInt32) -> [UInt8] { withUnsafeBytes(of: count.bigEndian, Array.init) }
        for header in headers {
            let name = Array(header.name.utf8)
            hash.update(data: length(UInt32(truncatingIfNeeded: name.count)) + name)
            if let value = header.value {
                hash.update(data: length(UInt32(truncatingIfNeeded: value.count)) + value)
            } else {
                hash.update(data: length(.max))
            }
        }
        return hash.finalize().lowercaseHex
    }
}
