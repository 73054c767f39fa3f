import DanCuConfig

extension KafkaConfiguration {
    /// `kafka.sasl`: how the gateway authenticates with `sasl_plaintext` and `sasl_ssl`.
    public struct SASL: Sendable, Codable, Equatable {
        /// `SCRAM-SHA-512` (recommended), `SCRAM-SHA-256`, `PLAIN` or `OAUTHBEARER` (OpenID Connect client
        /// credentials). Default: `SCRAM-SHA-512`
        public var mechanism: Mechanism
        /// The gateway's Kafka principal for SCRAM and PLAIN. Default: none
        public var username: String?
        /// Its password; set `DANCU_KAFKA_SASL_PASSWORD`. Default: none
        public var password: Secret?
        /// For `OAUTHBEARER`: the identity provider's token endpoint, the client id and secret
        /// (`DANCU_KAFKA_SASL_OAUTH_CLIENT_SECRET`), and the scope if the provider wants one. Default: none
        public var oauthTokenEndpoint: String?
        public var oauthClientId: String?
        public var oauthClientSecret: Secret?
        public var oauthScope: String?

        public enum Mechanism: String, Sendable, Codable, CaseIterable {
            case scramSHA512 = "SCRAM-SHA-512"
            case scramSHA256 = "SCRAM-SHA-256"
            case plain = "PLAIN"
            case oauthBearer = "OAUTHBEARER"
        }

        public init() {
            mechanism = .scramSHA512
        }

        public init(from decoder: any Decoder) throws {
            let section = try ConfigSection(decoder, keys: CodingKeys.self)
            mechanism = section.value(.mechanism, default: .scramSHA512)
            username = section.optional(.username, "must not be empty") { !$0.isEmpty }
            password = section.optional(.password)
            oauthTokenEndpoint = section.optional(.oauthTokenEndpoint, "must be an https:// or http:// URL") {
                $0.hasPrefix("https://") || $0.hasPrefix("http://")
            }
            oauthClientId = section.optional(.oauthClientId, "must not be empty") { !$0.isEmpty }
            oauthClientSecret = section.optional(.oauthClientSecret)
            oauthScope = section.optional(.oauthScope)
        }

        /// The keys the chosen mechanism needs and lacks, so `check-config` names each.
        var missingKeys: [String] {
            let required: [(CodingKeys, Bool)] =
                switch mechanism {
                case .oauthBearer:
                    [
                        (.oauthTokenEndpoint, oauthTokenEndpoint != nil), (.oauthClientId, oauthClientId != nil),
                        (.oauthClientSecret, oauthClientSecret != nil),
                    ]
                case .scramSHA512, .scramSHA256, .plain:
                    [(.username, username != nil), (.password, password != nil)]
                }
            return required.filter { !$0.1 }.map(\.0.stringValue)
        }

        var clientProperties: [String: String] {
            var result = ["sasl.mechanism": mechanism.rawValue]
            switch mechanism {
            case .oauthBearer:
                // librdkafka fetches and refreshes the token itself (client-credentials grant).
                result["sasl.oauthbearer.method"] = "oidc"
                result["sasl.oauthbearer.token.endpoint.url"] = oauthTokenEndpoint
                result["sasl.oauthbearer.client.id"] = oauthClientId
                result["sasl.oauthbearer.client.secret"] = oauthClientSecret?.value
                result["sasl.oauthbearer.scope"] = oauthScope
            case .scramSHA512, .scramSHA256, .plain:
                result["sasl.username"] = username
                result["sasl.password"] = password?.value
            }
            return result
        }
    }

    /// The librdkafka properties of the chosen `securityProtocol`: TLS files only where TLS is spoken,
    /// SASL settings only where SASL is.
    var securityProperties: [String: String] {
        var result: [String: String] = [:]
        if securityProtocol.usesTLS {
            result["ssl.ca.location"] = tls.caFile
            result["ssl.certificate.location"] = tls.certificateFile
            result["ssl.key.location"] = tls.privateKeyFile
            result["ssl.key.password"] = tls.privateKeyPassword?.value
        }
        if securityProtocol.usesSASL { result.merge(sasl.clientProperties) { $1 } }
        return result
    }
}

extension KafkaConfiguration.SecurityProtocol {
    var usesTLS: Bool { self == .ssl || self == .saslSSL }
    var usesSASL: Bool { self == .saslPlaintext || self == .saslSSL }
}
