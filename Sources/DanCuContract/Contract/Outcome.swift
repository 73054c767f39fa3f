import Foundation

/// What the gateway publishes on `dancu.outcomes.<portal>` for one request.
public struct Outcome: Sendable, Hashable {
    public var requestId: String
    /// The portal that asked (the one whose topic the request came from).
    public var portal: String
    /// `nil` only when the request's own `type` was missing or unknown.
    public var type: RequestType?
    public var status: OutcomeStatus
    /// Vietnamese, for the officer or the citizen.
    public var message: String
    /// Only for `found`, and only the fields the request may see.
    public var citizen: ReleasedCitizen?
    public var errors: [FieldProblem]
    public var source: OutcomeSource
    /// Calls made to the population database for this request (0 when decided without one).
    public var attempts: Int
    public var receivedAt: Date
    public var completedAt: Date

    public init(
        requestId: String,
        portal: String,
        type: RequestType?,
        status: OutcomeStatus,
        message: String,
        citizen: ReleasedCitizen? = nil,
        errors: [FieldProblem] = [],
        source: OutcomeSource,
        attempts: Int,
        receivedAt: Date,
        completedAt: Date
    ) {
        self.requestId = requestId
        self.portal = portal
        self.type = type
        self.status = status
        self.message = message
        self.citizen = citizen
        self.errors = errors
        self.source = source
        self.attempts = attempts
        self.receivedAt = receivedAt
        self.completedAt = completedAt
    }

    /// The outcome's JSON with sorted keys, so that equal outcomes are equal bytes. The same bytes as
    /// `JSONEncoder` writes from `encode(to:)` in the contract's style, written directly (per request).
    public func jsonBytes() -> [UInt8] {
        var writer = ContractJSONWriter()
        write(to: &writer)
        return writer.bytes
    }

    /// The members in sorted order.
    package func write(to writer: inout ContractJSONWriter) {
        writer.object { writer in
            writer.key("attempts")
            writer.integer(attempts)
            if let citizen {
                writer.key("citizen")
                citizen.write(to: &writer)
            }
            writer.member("completedAt", Timestamp.format(completedAt))
            writer.key("errors")
            writer.array { writer in
                for problem in errors { problem.write(to: &writer) }
            }
            writer.member("message", message)
            writer.member("portal", portal)
            writer.member("receivedAt", Timestamp.format(receivedAt))
            writer.member("requestId", requestId)
            writer.member("source", source.rawValue)
            writer.member("status", status.rawValue)
            writer.member("type", type?.rawValue)
        }
    }
}

extension Outcome: Codable {
    private enum CodingKeys: String, CodingKey {
        case requestId, portal, type, status, message, citizen, errors, source, attempts, receivedAt,
            completedAt
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        requestId = try container.decode(String.self, forKey: .requestId)
        portal = try container.decode(String.self, forKey: .portal)
        type = try container.decodeIfPresent(RequestType.self, forKey: .type)
        status = try container.decode(OutcomeStatus.self, forKey: .status)
        message = try container.decode(String.self, forKey: .message)
        citizen = try container.decodeIfPresent(ReleasedCitizen.self, forKey: .citizen)
        errors = try container.decode([FieldProblem].self, forKey: .errors)
        source = try container.decode(OutcomeSource.self, forKey: .source)
        attempts = try container.decode(Int.self, forKey: .attempts)
        receivedAt = try ContractJSON.decodeTimestamp(container, .receivedAt)
        completedAt = try ContractJSON.decodeTimestamp(container, .completedAt)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(requestId, forKey: .requestId)
        try container.encode(portal, forKey: .portal)
        try container.encodeIfPresent(type, forKey: .type)
        try container.encode(status, forKey: .status)
        try container.encode(message, forKey: .message)
        try container.encodeIfPresent(citizen, forKey: .citizen)
        try container.encode(errors, forKey: .errors)
        try container.encode(source, forKey: .source)
        try container.encode(attempts, forKey: .attempts)
        try container.encode(Timestamp.format(receivedAt), forKey: .receivedAt)
        try container.encode(Timestamp.format(completedAt), forKey: .completedAt)
    }
}

/// The one JSON style of the contract: sorted keys, unescaped slashes (dates are `dd/MM/yyyy`).
package enum ContractJSON {
    /// One encoder for every message: its options never change after this, and encoding reads them only.
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Compact JSON with sorted keys, as outcomes and audit records are published.
    package static func encode(_ value: some Encodable) -> [UInt8] {
        // Encoding plain strings, numbers and arrays cannot fail; an empty object is the safe fallback.
        (try? Array(encoder.encode(value))) ?? Array("{}".utf8)
    }

    static func decodeTimestamp<Key: CodingKey>(
        _ container: KeyedDecodingContainer<Key>,
        _ key: Key
    ) throws -> Date {
        let text = try container.decode(String.self, forKey: key)
        guard let date = Timestamp.parse(text) else {
            throw DecodingError.dataCorruptedError(
                forKey: key,
                in: container,
                debugDescription: "not an RFC 3339 timestamp"
            )
        }
        return date
    }
}
