/// A configuration value that must never be shown: logs, `check-config`, `/status` and errors
/// see `******`; only the code that needs it reads `value`.
public struct Secret: Sendable, Hashable, Decodable, Encodable, CustomStringConvertible,
    CustomDebugStringConvertible
{
    public static let mask = "******"

    public let value: String

    public init(_ value: String) { self.value = value }

    public init(from decoder: any Decoder) throws {
        value = try decoder.singleValueContainer().decode(String.self)
    }

    /// Encoding is for showing the effective configuration, so it writes the mask.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value.isEmpty ? "" : Self.mask)
    }

    public var description: String { value.isEmpty ? "" : Self.mask }
    public var debugDescription: String { description }
}
