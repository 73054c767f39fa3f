import DanCuConfig

/// The `audit` section: where the record of every population-database access goes.
public struct AuditConfiguration: Sendable, Codable, Equatable {
    /// The Kafka topic of audit records, keyed by portal; its retention is the operator's decision.
    /// Default: `dancu.audit`.
    public var topic: String
    /// The HMAC key that turns ID numbers into `idNumberHMAC`. Keep it stable (and secret) so that auditors
    /// can ask "every access to this citizen" by computing the same HMAC; without it a random key is drawn
    /// at each start and records of different runs cannot be matched. Default: none (random per start).
    public var secret: Secret?

    public init() {
        topic = "dancu.audit"
        secret = nil
    }

    public init(topic: String, secret: Secret?) {
        self.topic = topic
        self.secret = secret
    }

    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(decoder, keys: CodingKeys.self)
        let defaults = Self()
        topic = section.value(.topic, default: defaults.topic, "must not be empty") { !$0.isEmpty }
        // A short key makes the HMAC of a 12-digit number easy to brute-force.
        secret = section.optional(.secret, "must be at least 32 characters") { $0.value.count >= 32 }
    }
}
