/// Reads one section of the configuration without ever failing the whole load on one bad value:
/// a wrong type or a failed check is recorded against its full key path and the default is used,
/// so `check-config` can report every problem of a file at once.
///
/// ```swift
/// public init(from decoder: any Decoder) throws {
///     let section = try ConfigSection(decoder, keys: CodingKeys.self)
///     let defaults = Self()
///     port = section.value(.port, default: defaults.port, "must be a port number 1-65535") { (1...65535).contains($0) }
/// }
/// ```
public struct ConfigSection<Key: CodingKey> {
    private let decoder: ConfigDecoder
    private let container: KeyedDecodingContainer<Key>

    /// Only the configuration loader's decoder can read sections, because only it collects problems.
    public init(_ decoder: any Decoder, keys: Key.Type) throws {
        guard let configDecoder = decoder as? ConfigDecoder else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "configuration sections are read by ConfigurationLoader"
                )
            )
        }
        self.decoder = configDecoder
        self.container = try decoder.container(keyedBy: keys)
    }

    /// The value at `key`, or `defaultValue` when the key is absent or unusable.
    /// - Parameters:
    ///   - requirement: what `check` demands, in the words of the problem report (e.g. "must be positive").
    ///   - check: whether a decoded value is acceptable.
    public func value<T: Decodable>(
        _ key: Key,
        default defaultValue: T,
        _ requirement: String = "is not an accepted value",
        check: ((T) -> Bool)? = nil
    ) -> T {
        optional(key, requirement, check: check) ?? defaultValue
    }

    /// The value at `key`, or `nil` when it is absent, null or unusable (unusable values are reported).
    public func optional<T: Decodable>(
        _ key: Key,
        _ requirement: String = "is not an accepted value",
        check: ((T) -> Bool)? = nil
    ) -> T? {
        do {
            guard let value = try container.decodeIfPresent(T.self, forKey: key) else { return nil }
            if let check, !check(value) {
                report(key, requirement)
                return nil
            }
            return value
        } catch {
            record(error, at: key)
            return nil
        }
    }

    /// Records a problem with `key` that a single value's check cannot see (e.g. two keys that contradict).
    public func report(_ key: Key, _ message: String) {
        decoder.session.record(.init(key: path(of: key), message: message))
    }

    /// Records a problem with the section as a whole.
    public func reportSection(_ message: String) {
        let path = decoder.renderedPath
        decoder.session.record(.init(key: path.isEmpty ? "(file)" : path, message: message))
    }

    private func path(of key: Key) -> String {
        let path = decoder.codingPath + [key]
        let rendered = DecodingSession.render(path)
        let environmentName = decoder.session.environmentName(for: path)
        // Name the variable when that is where the value came from, so the operator looks in the right place.
        return decoder.session.environment[environmentName] == nil ? rendered : "\(rendered) (from \(environmentName))"
    }

    private func record(_ error: any Error, at key: Key) {
        switch error {
        case DecodingError.typeMismatch(_, let context), DecodingError.dataCorrupted(let context),
            DecodingError.valueNotFound(_, let context):
            let renderedPath = context.codingPath.isEmpty ? path(of: key) : DecodingSession.render(context.codingPath)
            decoder.session.record(.init(key: renderedPath, message: Self.readable(context.debugDescription)))
        case DecodingError.keyNotFound(let missing, let context):
            decoder.session.record(
                .init(key: DecodingSession.render(context.codingPath + [missing]), message: "is required")
            )
        default:
            decoder.session.record(.init(key: path(of: key), message: "\(error)"))
        }
    }

    /// Swift's synthesised enum decoding says "Cannot initialize X from invalid String value y".
    private static func readable(_ text: String) -> String {
        guard let range = text.range(of: "from invalid String value ") else { return text }
        return "'\(text[range.upperBound...])' is not an accepted value"
    }
}
