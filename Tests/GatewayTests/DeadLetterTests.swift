import Crypto
import DanCuContract
import Kafka
import Testing

@testable import Gateway

/// A dead letter always fits: what is cut from a hostile message is named by its size and hash.
@Suite struct DeadLetterTests {
    private static let limit = 65_536

    private func message(key: [UInt8]?, headers: [KafkaHeader], value: [UInt8]?) -> KafkaMessage {
        KafkaMessage(
            topicPartition: TopicPartition(topic: "dancu.requests.phutho", partition: 3),
            offset: 42,
            key: key,
            value: value,
            headers: headers,
            timestampMilliseconds: nil
        )
    }

    private func size(_ record: KafkaRecord) -> Int {
        (record.key?.count ?? 0) + (record.value?.count ?? 0)
            + record.headers.reduce(0) { $0 + $1.name.utf8.count + ($1.value?.count ?? 0) }
    }

    private func letter(_ message: KafkaMessage) -> DeadLetter {
        DeadLetter(of: message, reason: "too_large: test", topic: "dancu.deadletter", limit: Self.limit)
    }

    @Test func aMessageWithinTheLimitIsCopiedWhole() {
        let original = message(key: Array("r1".utf8), headers: [KafkaHeader(name: "x", string: "y")], value: [1, 2, 3])
        let record = letter(original).record
        #expect(record.key == original.key)
        #expect(record.value == original.value)
        #expect(Array(record.headers.prefix(1)) == original.headers)
        #expect(record.headers.first(named: "dancu-source-offset")?.stringValue == "42")
        #expect(record.headers.first(named: "dancu-original-key-sha256") == nil)
    }

    /// A near-limit key (what the broker takes, about 1 MB) with many headers: before, the dead letter copied
    /// them all and librdkafka refused it ("Message size too large").
    @Test func aNearLimitKeyAndManyHeadersAreCutAndNamedByHashAndSize() {
        let key = Array(repeating: UInt8(ascii: "k"), count: 900_000)
        let headers = (0..<500).map { KafkaHeader(name: "h\($0)", value: Array(repeating: 0x41, count: 180)) }
        let value = Array(#"{"requestId":"r1"}"#.utf8)
        let original = message(key: key, headers: headers, value: value)
        let letter = letter(original)
        for record in [letter.record, letter.withoutValue] {
            #expect(
                size(record) <= max(Self.limit, DeadLetter.copiedKeyBytes + DeadLetter.copiedHeadersBytes)
                    + DeadLetter.gatewayHeadersBytes
            )
            #expect(record.key == Array(key.prefix(DeadLetter.copiedKeyBytes)))
            #expect(record.headers.first(named: "dancu-original-key-bytes")?.stringValue == "900000")
            #expect(
                record.headers.first(named: "dancu-original-key-sha256")?.stringValue
                    == SHA256.hash(data: key).lowercaseHex
            )
            #expect(record.headers.first(named: "dancu-original-headers-count")?.stringValue == "500")
            let headerBytes = headers.reduce(0) { $0 + $1.name.utf8.count + ($1.value?.count ?? 0) }
            #expect(record.headers.first(named: "dancu-original-headers-bytes")?.stringValue == String(headerBytes))
            #expect(record.headers.first(named: "dancu-original-headers-sha256")?.stringValue?.utf8.count == 64)
            #expect(record.headers.first(named: "dancu-source-topic")?.stringValue == "dancu.requests.phutho")
            #expect(record.headers.filter { $0.name.hasPrefix("h") }.count <= DeadLetter.copiedHeadersCount)
        }
        // The small value still fits beside what was copied.
        #expect(letter.record.value == value)
        #expect(letter.withoutValue.value == nil)
        #expect(letter.withoutValue.headers.first(named: "dancu-value-omitted")?.stringValue == String(value.count))
    }

    @Test func aValueOverTheLimitIsOmittedWithItsSizeAndHash() {
        let value = Array(repeating: UInt8(ascii: "a"), count: 1 << 20)
        let record = letter(message(key: Array("r1".utf8), headers: [], value: value)).record
        #expect(record.value == nil)
        #expect(record.key == Array("r1".utf8))
        #expect(record.headers.first(named: "dancu-value-omitted")?.stringValue == String(1 << 20))
        #expect(record.headers.first(named: "dancu-original-value-sha256")?.stringValue?.utf8.count == 64)
        #expect(size(record) <= Self.limit + DeadLetter.gatewayHeadersBytes)
    }

    @Test func headersThatDifferOnlyInWhereNameEndsAndValueBeginsHashApart() {
        let tooBig = Array(repeating: UInt8(ascii: "k"), count: Self.limit + 1)
        func hash(_ headers: [KafkaHeader]) -> String? {
            letter(
                message(
                    key: tooBig,
                    headers: headers
                        + (0..<100).map { KafkaHeader(name: "\($0)", value: Array(repeating: 1, count: 100)) },
                    value: nil
                )
            )
            .record.headers.first(named: "dancu-original-headers-sha256")?.stringValue
        }
        #expect(hash([KafkaHeader(name: "ab", string: "c")]) != hash([KafkaHeader(name: "a", string: "bc")]))
    }
}
