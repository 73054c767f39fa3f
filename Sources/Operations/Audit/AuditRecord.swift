import Crypto
import DanCuConfig
import DanCuContract
import Foundation

/// Turns ID numbers into keyed hashes for the audit trail: an auditor holding the key can find every access
/// to one citizen, a reader of the topic without it learns nothing (a plain hash of a 12-digit number would
/// fall to enumeration in minutes).
public struct AuditHasher: Sendable {
    /// Keyed once: each record copies it, instead of deriving the HMAC pads from the secret per request.
    private let keyedHMAC: HMAC<SHA256>

    /// With no secret a random key is drawn, valid for this process only.
    public init(secret: Secret?) {
        keyedHMAC = HMAC(key: secret.map { SymmetricKey(data: Data($0.value.utf8)) } ?? SymmetricKey(size: .bits256))
    }

    /// Lowercase hex HMAC-SHA256 of the ID number's digits.
    public func hmac(_ idNumber: String) -> String {
        var hmac = keyedHMAC
        hmac.update(data: Array(idNumber.utf8))
        return hmac.finalize().lowercaseHex
    }
}

/// The record of one request the population database was asked about (or its cache answered): who (portal,
/// officer) looked up whom (an HMAC, never the number), for which procedure, what was released, and how it was
/// answered, including requests that expired or found the database unavailable after calls were made.
/// Written to the audit topic, keyed by portal. Fields are described in Docs/operations-metrics.md, "Audit trail".
public struct AuditRecord: Sendable, Hashable, Codable {
    public var requestId: String
    public var portal: String
    /// The officer who asked, when the portal says (counter and officer-online intake); nil for citizens'
    /// own requests and batch clean-ups.
    public var officerId: String?
    public var type: RequestType
    public var channel: Channel
    public var procedureCode: String?
    /// The citizen fields the outcome carried back to the portal; empty for `verify` and for misses.
    public var fieldsReleased: [CitizenField]
    public var idNumberHMAC: String
    /// For `link`: the HMAC of the 9-digit CMND being linked.
    public var legacyIdNumberHMAC: String?
    /// When the outcome was completed.
    public var time: Date
    public var status: OutcomeStatus
    public var source: OutcomeSource
    /// Population-database calls made for the outcome: 0 when the cache answered; for `expired` and
    /// `unavailable`, the calls made before giving up.
    public var attempts: Int

    public init(request: ValidatedRequest, outcome: Outcome, hasher: AuditHasher) {
        requestId = request.requestId
        portal = request.portal
        officerId = request.officerId
        type = request.type
        channel = request.channel
        procedureCode = request.procedureCode
        fieldsReleased = outcome.citizen.map { $0.values.keys.sorted() } ?? []
        idNumberHMAC = hasher.hmac(request.citizen.idNumber)
        legacyIdNumberHMAC = request.legacyIdNumber.map(hasher.hmac)
        time = outcome.completedAt
        status = outcome.status
        source = outcome.source
        attempts = outcome.attempts
    }

    /// The Kafka key: records of one portal stay in order on one partition.
    public var key: String { portal }

    /// JSON with sorted keys, as written to the audit topic: the bytes `JSONEncoder` writes from
    /// `encode(to:)` in the contract's style, written directly (one record per request).
    public func jsonBytes() -> [UInt8] {
        var writer = ContractJSONWriter(capacity: 384)
        writer.object { writer in
            writer.key("attempts")
            writer.integer(attempts)
            writer.member("channel", channel.rawValue)
            writer.key("fieldsReleased")
            writer.array { writer in
                for field in fieldsReleased { writer.string(field.rawValue) }
            }
            writer.member("idNumberHMAC", idNumberHMAC)
            writer.member("legacyIdNumberHMAC", legacyIdNumberHMAC)
            writer.member("officerId", officerId)
            writer.member("portal", portal)
            writer.member("procedureCode", procedureCode)
            writer.member("requestId", requestId)
            writer.member("source", source.rawValue)
            writer.member("status", status.rawValue)
            writer.member("time", Timestamp.format(time))
            writer.member("type", type.rawValue)
        }
        return writer.bytes
    }
}

extension AuditRecord {
    private enum CodingKeys: String, CodingKey {
        case requestId, portal, officerId, type, channel, procedureCode, fieldsReleased, idNumberHMAC,
            legacyIdNumberHMAC, time, status, source, attempts
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        requestId = try container.decode(String.self, forKey: .requestId)
        portal = try container.decode(String.self, forKey: .portal)
        officerId = try container.decodeIfPresent(String.self, forKey: .officerId)
        type = try container.decode(RequestType.self, forKey: .type)
        channel = try container.decode(Channel.self, forKey: .channel)
        procedureCode = try container.decodeIfPresent(String.self, forKey: .procedureCode)
        fieldsReleased = try container.decode([CitizenField].self, forKey: .fieldsReleased)
        idNumberHMAC = try container.decode(String.self, forKey: .idNumberHMAC)
        legacyIdNumberHMAC = try container.decodeIfPresent(String.self, forKey: .legacyIdNumberHMAC)
        let timeText = try container.decode(String.self, forKey: .time)
        guard let parsed = Timestamp.parse(timeText) else {
            throw DecodingError.dataCorruptedError(forKey: .time, in: container, debugDescription: "not a timestamp")
        }
        time = parsed
        status = try container.decode(OutcomeStatus.self, forKey: .status)
        source = try container.decode(OutcomeSource.self, forKey: .source)
        attempts = try container.decode(Int.self, forKey: .attempts)
    }

    /// Times in the contract's timestamp format, like requests and outcomes.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(requestId, forKey: .requestId)
        try container.encode(portal, forKey: .portal)
        try container.encodeIfPresent(officerId, forKey: .officerId)
        try container.encode(type, forKey: .type)
        try container.encode(channel, forKey: .channel)
        try container.encodeIfPresent(procedureCode, forKey: .procedureCode)
        try container.encode(fieldsReleased, forKey: .fieldsReleased)
        try container.encode(idNumberHMAC, forKey: .idNumberHMAC)
        try container.encodeIfPresent(legacyIdNumberHMAC, forKey: .legacyIdNumberHMAC)
        try container.encode(Timestamp.format(time), forKey: .time)
        try container.encode(status, forKey: .status)
        try container.encode(source, forKey: .source)
        try container.encode(attempts, forKey: .attempts)
    }
}
