import Foundation

/// One message of a replay file (one JSON object per line; see Docs/load-testing.md).
public struct ReplayEntry: Sendable, Hashable, Codable {
    /// Milliseconds after the first message of the file.
    public var offsetMs: Double
    /// The portal whose request topic the message was on.
    public var portal: String
    /// The message key, as UTF-8 text; `nil` when the message had none.
    public var key: String?
    public var headers: [Header]
    /// The message value when it is UTF-8 text (requests are JSON), else `nil` and `valueBase64` is set.
    public var value: String?
    public var valueBase64: String?
    /// The outcome it must get, when known (generated traffic, or what validation alone decides).
    public var expectation: Expectation?

    public struct Header: Sendable, Hashable, Codable {
        public var name: String
        /// UTF-8 text, or `nil` with `base64` set for binary values; both `nil` for a header without value.
        public var value: String?
        public var base64: String?

        public init(name: String, bytes: [UInt8]?) {
            self.name = name
            (value, base64) = ReplayEntry.encode(bytes)
        }

        public var bytes: [UInt8]? { ReplayEntry.decode(value, base64) }
    }

    public init(
        offsetMs: Double,
        portal: String,
        key: [UInt8]?,
        headers: [Header] = [],
        value: [UInt8]?,
        expectation: Expectation?
    ) {
        self.offsetMs = offsetMs
        self.portal = portal
        self.key = key.map { String(decoding: $0, as: UTF8.self) }
        self.headers = headers
        (self.value, valueBase64) = Self.encode(value)
        self.expectation = expectation
    }

    public var valueBytes: [UInt8]? { Self.decode(value, valueBase64) }

    public var offset: Duration { .microseconds(Int64((offsetMs * 1000).rounded())) }

    private static func encode(_ bytes: [UInt8]?) -> (text: String?, base64: String?) {
        guard let bytes else { return (nil, nil) }
        if let text = String(validating: bytes, as: UTF8.self) { return (text, nil) }
        return (nil, Data(bytes).base64EncodedString())
    }

    private static func decode(_ text: String?, _ base64: String?) -> [UInt8]? {
        if let text { return Array(text.utf8) }
        return base64.flatMap { Data(base64Encoded: $0) }.map(Array.init)
    }
}

/// Reading and writing replay files: JSON Lines, one `ReplayEntry` per line.
public enum ReplayFile {
    /// Every entry of `text`, ordered by offset (a recorder may write slightly out of order).
    public static func entries(in text: String) throws(ReplayFileError) -> [ReplayEntry] {
        let decoder = JSONDecoder()
        var entries: [ReplayEntry] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            do {
                entries.append(try decoder.decode(ReplayEntry.self, from: Data(line.utf8)))
            } catch {
                throw ReplayFileError(line: number + 1, message: "not a replay entry: \(error)")
            }
        }
        return entries.enumerated().sorted { ($0.element.offsetMs, $0.offset) < ($1.element.offsetMs, $1.offset) }
            .map(\.element)
    }

    public static func read(path: String) throws(ReplayFileError) -> [ReplayEntry] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ReplayFileError(line: 0, message: "cannot read \(path): \(error.localizedDescription)")
        }
        return try entries(in: text)
    }

    /// One line, without the newline: sorted keys, so files diff well.
    public static func line(_ entry: ReplayEntry) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Strings, numbers and nested Codable values of the contract always encode.
        return (try? encoder.encode(entry)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// Appends replay entries to a file as they come.
public final class ReplayWriter: Sendable {
    private let handle: FileHandle

    /// Creates or truncates the file at `path`.
    public init(path: String) throws(ReplayFileError) {
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw ReplayFileError(line: 0, message: "cannot create \(path)")
        }
        self.handle = handle
    }

    public func append(_ entries: [ReplayEntry]) throws(ReplayFileError) {
        guard !entries.isEmpty else { return }
        let text = entries.map { ReplayFile.line($0) + "\n" }.joined()
        do {
            try handle.write(contentsOf: Data(text.utf8))
        } catch {
            throw ReplayFileError(line: 0, message: "cannot write the replay file: \(error.localizedDescription)")
        }
    }

    public func close() throws(ReplayFileError) {
        do {
            try handle.close()
        } catch {
            throw ReplayFileError(line: 0, message: "cannot close the replay file: \(error.localizedDescription)")
        }
    }
}

/// A replay file that cannot be read or written; `line` is 1-based, 0 for the file as a whole.
public struct ReplayFileError: Error, Sendable, Hashable, CustomStringConvertible {
    public let line: Int
    public let message: String

    public var description: String { line > 0 ? "line \(line): \(message)" : message }
}
