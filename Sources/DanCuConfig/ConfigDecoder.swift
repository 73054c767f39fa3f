import Foundation

/// What one load shares across all the nested decoders: the problems found, the keys asked for,
/// and the environment.
final class DecodingSession {
    let environment: [String: String]
    let environmentPrefix: String
    private(set) var issues: [ConfigurationError.Issue] = []
    /// Paths (`kafka.bootstrapServers`) of every key the configuration types asked about.
    private(set) var askedPaths: Set<String> = []

    init(environment: [String: String], environmentPrefix: String) {
        self.environment = environment
        self.environmentPrefix = environmentPrefix
    }

    func record(_ issue: ConfigurationError.Issue) {
        if !issues.contains(issue) { issues.append(issue) }
    }

    func markAsked(_ path: String) { askedPaths.insert(path) }

    /// `kafka.bootstrapServers` → `DANCU_KAFKA_BOOTSTRAP_SERVERS`; `portals[0].weight` → `DANCU_PORTALS_0_WEIGHT`.
    func environmentName(for path: [any CodingKey]) -> String {
        environmentPrefix
            + path.map { key in key.intValue.map(String.init) ?? Self.upperSnake(key.stringValue) }
            .joined(separator: "_")
    }

    static func upperSnake(_ name: String) -> String {
        var result = ""
        var previous: Character?
        for character in name {
            if character.isUppercase, let previous, previous.isLowercase || previous.isNumber {
                result.append("_")
            }
            result.append(character)
            previous = character
        }
        return result.uppercased()
    }

    static func render(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text
    }
}

struct IndexKey: CodingKey {
    let intValue: Int?
    let stringValue: String
    init(_ index: Int) {
        intValue = index
        stringValue = String(index)
    }
    init?(intValue: Int) { self.init(intValue) }
    init?(stringValue: String) { nil }
}

struct NameKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// A `Decoder` over a `ConfigTree` that overlays environment variables key by key and remembers
/// which keys were asked for, so that keys nobody asked for can be reported as unknown.
struct ConfigDecoder: Decoder {
    let tree: ConfigTree?
    let session: DecodingSession
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    var renderedPath: String { DecodingSession.render(codingPath) }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        switch tree {
        case .mapping, nil, .null:
            return KeyedDecodingContainer(KeyedContainer<Key>(decoder: self))
        case .scalar, .sequence:
            throw DecodingError.typeMismatch(
                [String: String].self,
                .init(
                    codingPath: codingPath,
                    debugDescription: "expected a mapping, got \(tree?.kindDescription ?? "nothing")"
                )
            )
        }
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        switch tree {
        case .sequence(let elements):
            return UnkeyedContainer(elements: elements, decoder: self)
        case .scalar(let text, .environment):
            // A list given through the environment is written comma-separated.
            let elements = text.split(separator: ",").map {
                ConfigTree.scalar($0.trimmingCharacters(in: .whitespaces), origin: .file)
            }
            return UnkeyedContainer(elements: elements, decoder: self)
        case .null, nil:
            return UnkeyedContainer(elements: [], decoder: self)
        case .scalar, .mapping:
            throw DecodingError.typeMismatch(
                [String].self,
                .init(
                    codingPath: codingPath,
                    debugDescription: "expected a list, got \(tree?.kindDescription ?? "nothing")"
                )
            )
        }
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleValueContainer(decoder: self)
    }

    func child(_ tree: ConfigTree?, key: any CodingKey) -> ConfigDecoder {
        ConfigDecoder(tree: tree, session: session, codingPath: codingPath + [key])
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: ConfigDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    var allKeys: [Key] {
        guard case .mapping(let entries) = decoder.tree else { return [] }
        return entries.compactMap { Key(stringValue: $0.key) }
    }

    /// The value for `key`: an environment variable wins over the file.
    private func value(for key: Key) -> ConfigTree? {
        let path = codingPath + [key]
        decoder.session.markAsked(DecodingSession.render(path))
        let name = decoder.session.environmentName(for: path)
        if let text = decoder.session.environment[name] {
            return .scalar(text, origin: .environment(name: name))
        }
        if let fromFile = decoder.tree?.child(key.stringValue) {
            return fromFile
        }
        // A section absent from the file still exists when variables set keys inside it.
        let sectionPrefix = name + "_"
        return decoder.session.environment.keys.contains { $0.hasPrefix(sectionPrefix) } ? .mapping([]) : nil
    }

    func contains(_ key: Key) -> Bool {
        switch value(for: key) {
        case nil, .null: false
        default: true
        }
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        switch value(for: key) {
        case nil, .null: true
        default: false
        }
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try T(from: decoder.child(value(for: key), key: key))
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type,
        forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder.child(value(for: key), key: key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder.child(value(for: key), key: key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { decoder }
    func superDecoder(forKey key: Key) throws -> any Decoder { decoder.child(value(for: key), key: key) }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let elements: [ConfigTree]
    let decoder: ConfigDecoder
    var currentIndex = 0

    init(elements: [ConfigTree], decoder: ConfigDecoder) {
        self.elements = elements
        self.decoder = decoder
    }

    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private mutating func next() throws -> ConfigDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                Any.self,
                .init(codingPath: codingPath, debugDescription: "no more list elements")
            )
        }
        defer { currentIndex += 1 }
        return decoder.child(elements[currentIndex], key: IndexKey(currentIndex))
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, case .null = elements[currentIndex] else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: next()) }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type
    ) throws
        -> KeyedDecodingContainer<NestedKey>
    { try next().container(keyedBy: type) }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }

    mutating func superDecoder() throws -> any Decoder { try next() }
}

private struct SingleValueContainer: SingleValueDecodingContainer {
    let decoder: ConfigDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool {
        switch decoder.tree {
        case nil, .null: true
        default: false
        }
    }

    private func scalar<T>(_ type: T.Type, expected: String, _ convert: (String) -> T?) throws -> T {
        guard case .scalar(let text, _) = decoder.tree else {
            throw DecodingError.typeMismatch(
                type,
                .init(
                    codingPath: codingPath,
                    debugDescription: "expected \(expected), got \(decoder.tree?.kindDescription ?? "nothing")"
                )
            )
        }
        guard let value = convert(text) else {
            throw DecodingError.typeMismatch(
                type,
                .init(codingPath: codingPath, debugDescription: "expected \(expected), got '\(text)'")
            )
        }
        return value
    }

    func decode(_ type: String.Type) throws -> String { try scalar(type, expected: "a string") { $0 } }

    func decode(_ type: Bool.Type) throws -> Bool {
        try scalar(type, expected: "true or false") {
            switch $0.lowercased() {
            case "true": true
            case "false": false
            default: nil
            }
        }
    }

    func decode(_ type: Double.Type) throws -> Double { try scalar(type, expected: "a number") { Double($0) } }
    func decode(_ type: Float.Type) throws -> Float { try scalar(type, expected: "a number") { Float($0) } }

    private func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        try scalar(type, expected: "a whole number") { T($0.replacingOccurrences(of: "_", with: "")) }
    }

    func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: decoder) }
}
