import DanCuContract
import Foundation
import Testing

/// `traceparent` and `tracestate` by the W3C Trace Context grammar: what parses is forwarded (normalised),
/// anything else is `nil`.
@Suite struct TraceContextTests {
    private static let valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    private func traceparent(_ text: String) -> String? { TraceContext.traceparent(Array(text.utf8)) }
    private func tracestate(_ text: String) -> String? { TraceContext.tracestate(Array(text.utf8)) }

    @Test func aVersion00TraceparentIsKeptAsItCame() {
        #expect(traceparent(Self.valid) == Self.valid)
        #expect(traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00") != nil)
    }

    @Test(arguments: [
        "00-x\u{01}y-zz",  // the header that opened the breaker for every province
        "",
        "00",
        // Upper-case hex is not the grammar's HEXDIGLC.
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A",
        "0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        // All-zero ids are invalid.
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        // Version ff is forbidden.
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        // Exact lengths and dashes.
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e47366-00f067aa0ba902b7-01",
        "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7_01",
        // Version 00 has nothing after the flags, not even a dash.
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
        " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        // NBSP and control characters where hex belongs.
        "00-4bf92f3577b34da6a3ce929d0e0e47\u{A0}-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902\u{01}7-01",
        // A later version must still have a dash after the flags when it goes on.
        "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",
    ])
    func anythingOffTheGrammarIsRefused(_ text: String) {
        #expect(traceparent(text) == nil, "\(text.debugDescription)")
    }

    @Test func invalidUTF8AndOversizedValuesAreRefused() {
        var bytes = Array(Self.valid.utf8)
        bytes[10] = 0xff
        #expect(TraceContext.traceparent(bytes) == nil)
        #expect(TraceContext.traceparent(Array(repeating: UInt8(ascii: "a"), count: 10_240)) == nil)
        let long = Self.valid.replacingOccurrences(of: "00-", with: "01-") + "-" + String(repeating: "a", count: 10_240)
        #expect(traceparent(long) == nil, "a 10 KB traceparent is refused even from a later version")
    }

    @Test func aLaterVersionIsReadAsTheSpecificationSaysAndForwardedAsVersion00() {
        #expect(
            traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-will-be-like")
                == Self.valid
        )
        #expect(traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03") == Self.valid)
        #expect(
            traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-02")
                == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"
        )
    }

    @Test func aTracestateIsKeptWithoutOptionalWhitespace() {
        #expect(tracestate("congo=t61rcWkgMzE") == "congo=t61rcWkgMzE")
        #expect(tracestate("rojo=00f067aa0ba902b7 ,\tcongo=t61rcWkgMzE, ") == "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")
        #expect(tracestate("fw529a3039@dt=aGVsbG8 gd29ybGQ") == "fw529a3039@dt=aGVsbG8 gd29ybGQ")
        #expect(tracestate("") == "")
        let thirtyTwo = (0..<32).map { "k\($0)=v" }.joined(separator: ",")
        #expect(tracestate(thirtyTwo) == thirtyTwo)
    }

    @Test(arguments: [
        "Congo=t61rcWkgMzE",  // upper-case key
        "congo",  // no value
        "congo=",  // empty value
        "congo=a=b",  // '=' in the value
        "congo=t61\u{01}",  // control character
        "congo=t\u{A0}61",  // NBSP
        "con\u{01}go=t61",
        "1congo=t61",  // a simple key starts with a letter
        "congo@=t61",  // empty system id
        "@congo=t61",  // empty tenant id
        "t@congo123456789012=t61",  // system id longer than 14
        "congo=a,congo=b",  // a key twice
    ])
    func aTracestateOffTheGrammarIsRefused(_ text: String) {
        #expect(tracestate(text) == nil, "\(text.debugDescription)")
    }

    @Test func aTracestateIsBoundedInMembersAndBytes() {
        let thirtyThree = (0..<33).map { "k\($0)=v" }.joined(separator: ",")
        #expect(tracestate(thirtyThree) == nil)
        let long = "k=" + String(repeating: "v", count: 255) + ",l=" + String(repeating: "v", count: 255)
        #expect(long.utf8.count > TraceContext.maximumTracestateBytes)
        #expect(tracestate(long) == nil)
        #expect(tracestate("k=" + String(repeating: "v", count: 10_240)) == nil)
        var invalidUTF8 = Array("congo=t61".utf8)
        invalidUTF8[7] = 0xc3
        #expect(TraceContext.tracestate(invalidUTF8) == nil)
    }
}
