public import DanCuConfig

/// The `populationDb` configuration section: where the population database is, how to
/// authenticate and connect to it, and the quota it grants this gateway.
public struct PopulationDBConfiguration: Sendable, Decodable, Encodable {
    /// The SOAP endpoint, e.g. `https://dancu.example.gov.vn/dancu/ws`. Required whenever Kafka is
    /// configured: the gateway never answers real portals from a simulator.
    /// Default: none (only development mode runs without it, on the simulator)
    public var url: String?
    /// Whether an `http://` URL is accepted. Citizens' data crosses this link: only for a closed test network.
    /// Default: `false`
    public var allowPlaintext: Bool
    /// The integration's user name in the signed `Authorization` header.
    /// Default: `dancu-gateway`
    public var username: String
    /// The shared secret for request signatures; set it through `DANCU_POPULATION_DB_SECRET`.
    /// Default: none
    public var secret: Secret?
    /// `MaTichHop`, the integration code the database issued to this gateway.
    /// Default: `DANCU-GATEWAY`
    public var integrationCode: String
    /// How long to wait for a TCP (and TLS) connection.
    /// Default: `2s`
    public var connectTimeout: ConfigDuration
    /// How long one call may take from sending to the full answer.
    /// Default: `10s`
    public var requestTimeout: ConfigDuration
    /// The longest `Retry-After` the gateway honours; a longer one (a misconfigured proxy, an hour's
    /// maintenance page) is cut to this, so that one answer cannot stop every call for longer.
    /// Default: `60s`
    public var maxRetryAfter: ConfigDuration
    /// Files for TLS and mutual TLS.
    /// Default: all absent (system trust roots, no client certificate)
    public var tls: TLSFiles
    /// The quota the database grants; the gateway keeps under it.
    /// Default: see `Quota`
    public var quota: Quota

    public init() {
        url = nil
        allowPlaintext = false
        username = "dancu-gateway"
        secret = nil
        integrationCode = "DANCU-GATEWAY"
        connectTimeout = .seconds(2)
        requestTimeout = .seconds(10)
        maxRetryAfter = .seconds(60)
        tls = TLSFiles()
        quota = Quota()
    }

    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(decoder, keys: CodingKeys.self)
        let defaults = Self()
        url = section.optional(.url, "must be an http:// or https:// URL with a host") { Self.isUsableURL($0) }
        allowPlaintext = section.value(.allowPlaintext, default: defaults.allowPlaintext)
        if let url, url.lowercased().hasPrefix("http://"), !allowPlaintext {
            section.report(
                .url,
                "is plaintext http://; use https://, or set populationDb.allowPlaintext: true (DANCU_POPULATION_DB_ALLOW_PLAINTEXT) on a closed test network"
            )
        }
        username = section.value(.username, default: defaults.username, "must not be empty or contain ':'") {
            !$0.isEmpty && !$0.contains(":")
        }
        secret = section.optional(.secret, "must not be empty") { !$0.value.isEmpty }
        integrationCode = section.value(.integrationCode, default: defaults.integrationCode, "must not be empty") {
            !$0.isEmpty
        }
        connectTimeout = section.value(.connectTimeout, default: defaults.connectTimeout, "must be positive") {
            $0.duration > .zero
        }
        requestTimeout = section.value(.requestTimeout, default: defaults.requestTimeout, "must be positive") {
            $0.duration > .zero
        }
        maxRetryAfter = section.value(.maxRetryAfter, default: defaults.maxRetryAfter, "must be positive") {
            $0.duration > .zero
        }
        tls = section.value(.tls, default: defaults.tls)
        quota = section.value(.quota, default: defaults.quota)
        if url != nil, secret == nil {
            section.report(.secret, "is required when url is set (DANCU_POPULATION_DB_SECRET)")
        }
    }

    public struct Quota: Sendable, Decodable, Encodable {
        /// Requests per second the database grants this gateway.
        /// Default: `50`
        public var requestsPerSecond: Int
        /// How many requests may go back to back after a quiet period (at most `requestsPerSecond`,
        /// since the database counts every one-second window).
        /// Default: `10`
        public var burst: Int
        /// Calls in flight at once; also the size of the connection pool.
        /// Default: `32`
        public var maxInFlight: Int

        public init() {
            requestsPerSecond = 50
            burst = 10
            maxInFlight = 32
        }

        public init(from decoder: any Decoder) throws {
            let section = try ConfigSection(decoder, keys: CodingKeys.self)
            let defaults = Self()
            requestsPerSecond = section.value(
                .requestsPerSecond,
                default: defaults.requestsPerSecond,
                "must be positive"
            ) {
                $0 > 0
            }
            burst = section.value(.burst, default: defaults.burst, "must be positive") { $0 > 0 }
            maxInFlight = section.value(.maxInFlight, default: defaults.maxInFlight, "must be positive") { $0 > 0 }
            if burst > requestsPerSecond {
                section.report(.burst, "must not exceed requestsPerSecond (\(requestsPerSecond))")
            }
        }
    }

    static func isUsableURL(_ text: String) -> Bool {
        guard let schemeEnd = text.range(of: "://") else { return false }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        let rest = text[schemeEnd.upperBound...]
        return (scheme == "http" || scheme == "https") && !rest.isEmpty && !rest.hasPrefix("/")
    }
}
