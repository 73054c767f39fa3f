import Crypto
import DanCuContract
import Foundation
import Kafka
import Testing

/// What one portal puts in its messages' keys and headers cannot hurt another portal, nor freeze its own
/// partition: the whole gateway on the embedded cluster, with the simulator as the population database.
@Suite(.timeLimit(.minutes(5))) struct HostileMessageTests {
    /// 20 requests whose `traceparent` carries a control character: before, it reached the database call
    /// verbatim, the HTTP client refused it, that counted as a database failure and the breaker opened for
    /// every province. Now the header is dropped: every request of both portals is answered, and no outcome
    /// carries the invalid header.
    @Test func anInvalidTraceparentIsDroppedAndEveryPortalIsAnswered() async throws {
        let bed = try await GatewayTestBed()
        func verify(_ portal: String, _ id: String, citizen index: Int) -> TestRequest {
            let citizen = bed.population.citizen(at: index)
            return .verify(
                portal,
                id,
                name: citizen.fullName,
                idNumber: citizen.idNumber,
                dateOfBirth: citizen.dateOfBirth.displayText
            )
        }
        let hostile = (0..<20).map { index in
            var request = verify("phutho", "hostile-\(index)", citizen: 100 + index)
            request.headers = [
                KafkaHeader(name: "traceparent", string: "00-x\u{01}y-zz"),
                KafkaHeader(name: "tracestate", string: "congo=t61rcWkgMzE"),
            ]
            return request
        }
        let others = (0..<10).map { verify("haiphong", "other-\($0)", citizen: 500 + $0) }
        let collector = try bed.outcomeCollector()
        let producer = try bed.producer()
        try await bed.withGateway {
            try await bed.publish(hostile + others, with: producer)
            try await collector.collect { $0.answeredRequestIds.count >= hostile.count + others.count }
        }
        let collected = try await collector.collect { _ in true }
        await collector.close()
        for request in hostile + others {
            let answers = collected.outcomes(for: request.requestId)
            #expect(answers.count == 1, "\(request.requestId)")
            #expect(answers.first?.outcome.status == .verified, "\(request.requestId)")
        }
        for request in hostile {
            let headers = collected.outcomes(for: request.requestId).first?.headers ?? []
            #expect(headers.first(named: "traceparent") == nil, "\(request.requestId) carries the invalid traceparent")
            #expect(headers.first(named: "tracestate") == nil)
        }
        await producer.close(flushTimeout: .seconds(5))
        await bed.simulator.stop()
    }

    /// A near-limit key (900 KB) and 400 headers (100 KB) on an unreadable value: before, the dead letter
    /// copied them all, librdkafka refused it ("Message size too large") and the message was never answered.
    /// Now the key and headers count toward `requests.maxMessageBytes`, the dead letter is cut to fit and names
    /// what was cut by size and SHA-256, and the request after it on the same partition is answered.
    @Test func aNearLimitKeyWithManyHeadersIsDeadLetteredAndThePartitionGoesOn() async throws {
        let bed = try await GatewayTestBed()
        let citizen = bed.population.citizen(at: 77)
        let key = [UInt8](repeating: UInt8(ascii: "k"), count: 900_000)
        let headers = (0..<400).map { KafkaHeader(name: "x-h\($0)", value: [UInt8](repeating: 0x41, count: 250)) }
        func onPartition0(_ requestId: String) -> TestRequest {
            var request = TestRequest.verify(
                "phutho",
                requestId,
                name: citizen.fullName,
                idNumber: citizen.idNumber,
                dateOfBirth: citizen.dateOfBirth.displayText
            )
            request.partition = 0
            return request
        }
        let after = onPartition0("after-hostile")
        // A 65,500-byte key on a valid request: with the value it is over the limit, as a 65 KB request would be.
        let largeKeyRequest = onPartition0("large-key")
        let collector = try bed.outcomeCollector()
        let producer = try bed.producer()
        try await bed.withGateway {
            let records = [
                KafkaRecord(
                    topic: "dancu.requests.phutho",
                    key: key,
                    value: Array("not json".utf8),
                    headers: headers,
                    partition: 0
                ),
                KafkaRecord(
                    topic: "dancu.requests.phutho",
                    key: [UInt8](repeating: UInt8(ascii: "q"), count: 65_500),
                    value: largeKeyRequest.bytes,
                    partition: 0
                ),
            ]
            for result in await producer.sendAll(records) { _ = try result.get() }
            try await bed.publish([after], with: producer)
            try await collector.collect { $0.deadLetters.count >= 2 && !$0.outcomes(for: after.requestId).isEmpty }
        }
        let collected = try await collector.collect { _ in true }
        await collector.close()

        #expect(collected.outcomes(for: after.requestId).first?.outcome.status == .verified)
        #expect(
            collected.outcomes(for: largeKeyRequest.requestId).isEmpty,
            "a 65,500-byte key with a request is too large"
        )
        #expect(collected.deadLetters.count == 2)
        for letter in collected.deadLetters {
            #expect(letter.headers.first(named: "dancu-error")?.stringValue?.hasPrefix("too_large") == true)
            let size =
                (letter.key?.count ?? 0) + (letter.value?.count ?? 0)
                + letter.headers.reduce(0) { $0 + $1.name.utf8.count + ($1.value?.count ?? 0) }
            #expect(size <= bed.rules.policy.maxMessageBytes + 4_096, "dead letter of \(size) bytes")
            #expect(letter.key?.count == 1_024)
        }
        let cut = try #require(
            collected.deadLetters.first { $0.headers.first(named: "dancu-original-headers-count") != nil }
        )
        #expect(cut.headers.first(named: "dancu-original-key-bytes")?.stringValue == "900000")
        #expect(
            cut.headers.first(named: "dancu-original-key-sha256")?.stringValue == SHA256.hash(data: key).lowercaseHex
        )
        #expect(cut.headers.first(named: "dancu-original-headers-count")?.stringValue == "400")
        #expect(cut.value == Array("not json".utf8), "the small value still fits beside what was kept")
        await producer.close(flushTimeout: .seconds(5))
        await bed.simulator.stop()
    }
}
