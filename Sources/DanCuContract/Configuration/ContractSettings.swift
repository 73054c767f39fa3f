import DanCuConfig

/// The top-level `contract:` section: how request values are read, beyond portals and procedures.
public struct ContractSettings: Sendable, Hashable, Codable {
    /// How names are written before they reach the population database or the cache.
    /// Default: see `NameSettings`.
    public var names: NameSettings

    public init() {
        self.init(names: NameSettings())
    }

    public init(names: NameSettings) {
        self.names = names
    }

    private enum CodingKeys: String, CodingKey {
        case names
    }

    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(decoder, keys: CodingKeys.self)
        let defaults = Self()
        names = section.value(.names, default: defaults.names)
    }
}

/// `contract.names`.
public struct NameSettings: Sendable, Hashable, Codable {
    /// The population database's convention for tone marks: `traditional` (HÒA, THỦY, KHỎE) or `modern`
    /// (HOÀ, THUỶ, KHOẺ). Names are sent, and cached, in this convention whichever one the citizen typed.
    /// Default: traditional
    public var tonePlacement: TonePlacement

    public init(tonePlacement: TonePlacement = .traditional) {
        self.tonePlacement = tonePlacement
    }

    private enum CodingKeys: String, CodingKey {
        case tonePlacement
    }

    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(decoder, keys: CodingKeys.self)
        tonePlacement = section.value(.tonePlacement, default: Self().tonePlacement)
    }
}
