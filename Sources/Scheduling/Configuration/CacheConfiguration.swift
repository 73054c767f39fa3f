import DanCuConfig
import DanCuContract

/// The in-memory result cache (the `cache` section). Records hold personal data, so they live in
/// memory only and only as long as the TTLs say.
public struct CacheConfiguration: Sendable, Hashable, Codable {
    /// Records and not-found answers kept at most; the least recently used go first.
    /// Default: 200000
    public var maxEntries: Int
    /// Estimated memory the cached entries may take, in bytes.
    /// Default: 268435456 (256 MiB)
    public var maxBytes: Int
    /// How long a found record answers requests.
    /// Default: 10m
    public var foundTTL: ConfigDuration
    /// How long a not-found answer answers requests (a citizen who fixes a typo asks again soon).
    /// Default: 1m
    public var notFoundTTL: ConfigDuration
    /// Request types served from and stored into the cache; the others always ask the database.
    /// Default: [verify, lookup, link]
    public var enabledFor: [RequestType]
    /// Key for the HMAC-SHA256 of the cache keys (environment: `DANCU_CACHE_SECRET`). When absent,
    /// each process draws a random one, which is fine because the cache is never shared.
    /// Default: none (random per process)
    public var secret: Secret?

    public init() {
        self.init(
            maxEntries: 200_000,
            maxBytes: 256 << 20,
            foundTTL: .seconds(600),
            notFoundTTL: .seconds(60),
            enabledFor: RequestType.allCases,
            secret: nil
        )
    }

    public init(
        maxEntries: Int,
        maxBytes: Int,
        foundTTL: ConfigDuration,
        notFoundTTL: ConfigDuration,
        enabledFor: [RequestType],
        secret: Secret?
    ) {
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
        self.foundTTL = foundTTL
        self.notFoundTTL = notFoundTTL
        self.enabledFor = enabledFor
        self.secret = secret
    }

    private enum CodingKeys: String, CodingKey {
        case maxEntries, maxBytes, foundTTL, notFoundTTL, enabledFor, secret
    }

    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(decoder, keys: CodingKeys.self)
        let defaults = Self()
        maxEntries = section.value(.maxEntries, default: defaults.maxEntries, "must be a positive integer") { $0 > 0 }
        maxBytes = section.value(.maxBytes, default: defaults.maxBytes, "must be at least 65536") { $0 >= 65_536 }
        foundTTL = section.value(.foundTTL, default: defaults.foundTTL, "must be positive") { $0.duration > .zero }
        notFoundTTL = section.value(.notFoundTTL, default: defaults.notFoundTTL, "must be positive") {
            $0.duration > .zero
        }
        enabledFor = section.value(.enabledFor, default: defaults.enabledFor)
        secret = section.optional(.secret, "must be at least 16 characters") { $0.value.utf8.count >= 16 }
    }
}
