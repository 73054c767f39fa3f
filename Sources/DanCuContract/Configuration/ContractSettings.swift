import DanCuConfig

/// The top-level `contract:` section: how request values are read, beyond portals and procedures.
public struct ContractSettings: Sendable, Hashable, Codable {
    /// How names are written before they reach the population database or the cache.
    /// Default: see `NameSettings`.
    public var names: NameSettings
    /// A CSV file with the province's procedure catalogue (columns code, name, fields), added to the
    /// `procedures` list; a relative path is read from the configuration file's folder.
    /// Default: none
    public var procedureCatalogue: String?
    /// The account clean-up procedure (CMND → CCCD for VNeID): the only one whose lookups by a 9-digit CMND
    /// may release `idNumber`, the CCCD the portal does not hold yet. It must be a configured procedure.
    /// Default: none (a lookup by CMND never releases the CCCD)
    public var cmndCleanupProcedure: String?

    public init() {
        self.init(names: NameSettings())
    }

    public init(names: NameSettings, procedureCatalogue: String? = nil, cmndCleanupProcedure: String? = nil) {
        self.names = names
        self.procedureCatalogue = procedureCatalogue
        self.cmndCleanupProcedure = cmndCleanupProcedure
    }

    private enum CodingKeys: String, CodingKey {
        case names, procedureCatalogue, cmndCleanupProcedure
    }

    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(decoder, keys: CodingKeys.self)
        let defaults = Self()
        names = section.value(.names, default: defaults.names)
        procedureCatalogue = section.optional(.procedureCatalogue)
        cmndCleanupProcedure = section.optional(.cmndCleanupProcedure)
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
