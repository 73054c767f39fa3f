/// Why a message cannot be answered and goes to the dead-letter topic instead. Written into the
/// `dancu-error` header; never carries message content, which may be personal data.
public struct DeadLetterReason: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: String, CaseIterable {
        case unknownPortal = "unknown_portal"
        case tooLarge = "too_large"
        case notUTF8 = "not_utf8"
        case notJSON = "not_json"
        case noRequestId = "no_request_id"
    }

    private let code: Code
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Every short machine code, for series that exist at zero before the first dead letter.
    public static let codeNames = Code.allCases.map(\.rawValue)

    /// The short machine code, e.g. `not_json`.
    public var codeName: String { code.rawValue }

    /// `code: message`, the value of the `dancu-error` header.
    public var headerValue: String { "\(code.rawValue): \(message)" }

    public var description: String { headerValue }

    /// A configuration problem (a topic with no configured portal), not a portal's mistake:
    /// operators should be told, not just the portal's developers.
    public var isConfigurationProblem: Bool { code == .unknownPortal }

    public static func unknownPortal(topic: String) -> Self {
        Self(.unknownPortal, "no configured portal writes to topic \(topic)")
    }

    public static func tooLarge(limit: Int) -> Self {
        Self(.tooLarge, "message (key, headers and value) is larger than \(limit) bytes")
    }

    public static let notUTF8 = Self(.notUTF8, "message is not valid UTF-8")
    public static let notJSON = Self(.notJSON, "message is not a JSON object")
    public static func nestedTooDeep(limit: Int) -> Self {
        Self(.notJSON, "message nests JSON more than \(limit) levels deep")
    }
    public static let missingRequestId = Self(.noRequestId, "requestId is missing or not a string")
    public static let unusableRequestId = Self(
        .noRequestId,
        "requestId must be 1-\(RequestId.maximumLength) characters of A-Z a-z 0-9 . _ : -"
    )
}

/// The Kafka headers a dead letter carries besides the original message's own.
public enum DeadLetterHeader {
    public static let error = "dancu-error"
    public static let sourceTopic = "dancu-source-topic"
    public static let sourcePartition = "dancu-source-partition"
    public static let sourceOffset = "dancu-source-offset"

    /// The four headers to append to the original headers, values as UTF-8 bytes.
    public static func values(
        reason: DeadLetterReason,
        sourceTopic topic: String,
        partition: Int,
        offset: Int64
    ) -> [(key: String, value: [UInt8])] {
        [
            (error, Array(reason.headerValue.utf8)),
            (sourceTopic, Array(topic.utf8)),
            (sourcePartition, Array(String(partition).utf8)),
            (sourceOffset, Array(String(offset).utf8)),
        ]
    }
}

/// A request's idempotency key: 1-128 of `A-Z a-z 0-9 . _ : -`, unique per portal.
public enum RequestId {
    public static let maximumLength = 128

    public static func isUsable(_ text: String) -> Bool {
        let bytes = text.utf8
        return (1...maximumLength).contains(bytes.count) && bytes.allSatisfy(isAllowed)
    }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: ":"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }
}
