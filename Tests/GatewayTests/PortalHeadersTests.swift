import DanCuContract
import Foundation
import Kafka
import Testing

@testable import Gateway

/// A portal's trace headers are screened as the message is consumed: what does not parse never goes further.
@Suite struct PortalHeadersTests {
    private static let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    private func message(_ headers: [KafkaHeader], key: [UInt8]? = nil, value: [UInt8] = [1, 2]) -> KafkaMessage {
        KafkaMessage(
            topicPartition: TopicPartition(topic: "dancu.requests.phutho", partition: 0),
            offset: 7,
            key: key,
            value: value,
            headers: headers,
            timestampMilliseconds: nil
        )
    }

    @Test func aControlCharacterInTraceparentDropsItAndItsTracestate() {
        let (screened, invalid) = PortalHeaders.screen(
            message([
                KafkaHeader(name: "traceparent", string: "00-x\u{01}y-zz"),
                KafkaHeader(name: "tracestate", string: "congo=t61rcWkgMzE"),
                KafkaHeader(name: "x-portal", string: "kept"),
            ])
        )
        #expect(invalid == ["traceparent"])
        #expect(screened.headers == [KafkaHeader(name: "x-portal", string: "kept")])
    }

    @Test func validTraceHeadersAreKeptNormalised() {
        let (screened, invalid) = PortalHeaders.screen(
            message([
                KafkaHeader(name: "tracestate", string: "rojo=1 , congo=2"),
                KafkaHeader(name: "traceparent", string: Self.traceparent),
            ])
        )
        #expect(invalid.isEmpty)
        #expect(screened.headers.first(named: "traceparent")?.stringValue == Self.traceparent)
        #expect(screened.headers.first(named: "tracestate")?.stringValue == "rojo=1,congo=2")
    }

    @Test func anInvalidTracestateGoesAloneAndTheTraceGoesOn() {
        let (screened, invalid) = PortalHeaders.screen(
            message([
                KafkaHeader(name: "traceparent", string: Self.traceparent),
                KafkaHeader(name: "tracestate", value: Array(repeating: 0x41, count: 10_240)),
            ])
        )
        #expect(invalid == ["tracestate"])
        #expect(screened.headers == [KafkaHeader(name: "traceparent", string: Self.traceparent)])
    }

    @Test func hostileValuesAreAllRefused() {
        let hostile: [[UInt8]?] = [
            nil,
            [0xff, 0xfe],
            Array(Self.traceparent.uppercased().utf8),
            Array(Self.traceparent.replacingOccurrences(of: "-01", with: "-\u{A0}").utf8),
            Array(repeating: UInt8(ascii: "0"), count: 10_240),
        ]
        for value in hostile {
            let (screened, invalid) = PortalHeaders.screen(message([KafkaHeader(name: "traceparent", value: value)]))
            #expect(invalid == ["traceparent"], "\(String(describing: value?.prefix(60)))")
            #expect(screened.headers.isEmpty)
        }
    }

    @Test func aTraceparentGivenTwiceIsInvalid() {
        let header = KafkaHeader(name: "traceparent", string: Self.traceparent)
        let (screened, invalid) = PortalHeaders.screen(message([header, header]))
        #expect(invalid == ["traceparent"])
        #expect(screened.headers.isEmpty)
    }

    @Test func keyAndHeadersAreCountedAsTheBrokerHoldsThem() {
        let sized = message(
            [KafkaHeader(name: "abc", value: [1, 2, 3, 4]), KafkaHeader(name: "de", value: nil)],
            key: [9]
        )
        #expect(PortalHeaders.keyAndHeadersBytes(of: sized) == 1 + 3 + 4 + 2)
    }
}
