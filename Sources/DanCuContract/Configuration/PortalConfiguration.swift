import DanCuConfig

/// A provincial portal allowed to send requests (one entry of the top-level `portals:` list).
/// Its identity is the topic it writes to: `dancu.requests.<id>`.
public struct PortalConfiguration: Sendable, Hashable, Codable {
    /// Lowercase ASCII letters and digits, e.g. `angiang`; names the portal's topics.
    /// Default: none (required).
    public var id: String
    /// The province's name as people write it, e.g. `An Giang`.
    /// Default: the id.
    public var displayName: String
    /// Share of the population database's quota when portals compete (fair sharing).
    /// Default: 1
    public var weight: Int
    /// What the portal may ask; anything else is answered `forbidden`.
    /// Default: [verify]
    public var requestTypes: [RequestType]

    public init() {
        self.init(id: "", displayName: "", weight: 1, requestTypes: [.verify])
    }

    public init(id: String, displayName: String, weight: Int = 1, requestTypes: [RequestType]) {
        self.id = id
        self.displayName = displayName
        self.weight = weight
        self.requestTypes = requestTypes
    }

    private enum CodingKeys: String, CodingKey {
        case id, displayName, weight, requestTypes
    }

    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(decoder, keys: CodingKeys.self)
        let defaults = Self()
        let id: String? = section.optional(.id)
        if let id, !Self.isValidId(id) {
            section.report(.id, "must be 1-32 lowercase ASCII letters and digits, e.g. angiang")
        } else if id == nil {
            section.report(.id, "is required")
        }
        self.id = id ?? defaults.id
        displayName = section.value(.displayName, default: self.id, "must not be empty") { !$0.isEmpty }
        weight = section.value(.weight, default: defaults.weight, "must be a positive integer") { $0 > 0 }
        requestTypes = section.value(.requestTypes, default: defaults.requestTypes, "must not be empty") {
            !$0.isEmpty
        }
    }

    /// Portal ids become topic names and metric labels: lowercase ASCII letters and digits, 1-32.
    public static func isValidId(_ id: String) -> Bool {
        (1...32).contains(id.utf8.count)
            && id.utf8.allSatisfy {
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
            }
    }
}
