import DanCuConfig

/// An administrative procedure (TTHC) and the citizen fields a `lookup` for it may release
/// (one entry of the top-level `procedures:` list). Data minimisation by contract: a lookup asking
/// for any other field is refused, not silently trimmed.
public struct ProcedureConfiguration: Sendable, Hashable, Codable {
    /// The procedure's code in the national TTHC catalogue, e.g. `1.001193`; the entry with code
    /// `default` serves lookups for procedures not listed (remove it to refuse them).
    /// Default: none (required).
    public var code: String
    /// The procedure's name, for operators, e.g. `Đăng ký khai sinh`.
    /// Default: ""
    public var name: String
    /// The fields a lookup for this procedure may release.
    /// Default: none (required, at least one).
    public var fields: [CitizenField]

    /// The code of the catch-all entry.
    public static let defaultCode = "default"

    public init() {
        self.init(code: "", name: "", fields: [])
    }

    public init(code: String, name: String, fields: [CitizenField]) {
        self.code = code
        self.name = name
        self.fields = fields
    }

    private enum CodingKeys: String, CodingKey {
        case code, name, fields
    }

    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(decoder, keys: CodingKeys.self)
        let defaults = Self()
        let code: String? = section.optional(.code)
        if let code, !Self.isValidCode(code) {
            section.report(.code, "must be 1-64 characters of A-Z a-z 0-9 . _ -")
        } else if code == nil {
            section.report(.code, "is required")
        }
        self.code = code ?? defaults.code
        name = section.value(.name, default: defaults.name)
        let fields: [CitizenField]? = section.optional(.fields)
        if fields?.isEmpty ?? true {
            section.report(.fields, "must list at least one field")
        }
        self.fields = fields ?? defaults.fields
    }

    /// Procedure codes as the national catalogue writes them (`1.001193`), plus `default`.
    public static func isValidCode(_ code: String) -> Bool {
        (1...64).contains(code.utf8.count)
            && code.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                    true
                default:
                    false
                }
            }
    }
}
