/// A parsed JSON value, as much of it as the contract reads: every request field is a string, an
/// object or an array, so a number is only ever the wrong type and its value is not kept.
enum JSONValue: Sendable, Equatable {
    case object(JSONObject)
    case array([JSONValue])
    case string(String)
    case number
    case bool(Bool)
    case null

    var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    var object: JSONObject? {
        if case .object(let object) = self { return object }
        return nil
    }

    var array: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }
}

/// An object's members, and the names that occurred more than once. RFC 8259 leaves repeated names
/// to the reader; taking the first (or last) silently would let a request hide a second `portal`.
struct JSONObject: Sendable, Equatable {
    var members: [String: JSONValue] = [:]
    /// Each repeated name once, in the order of its first repetition.
    var repeatedKeys: [String] = []

    subscript(key: String) -> JSONValue? { members[key] }

    var keys: Dictionary<String, JSONValue>.Keys { members.keys }
}

/// A strict RFC 8259 parser over UTF-8 bytes: the request path's single largest cost was Foundation's
/// `JSONSerialization`, which builds bridged Foundation objects only to be cast back.
struct JSONParser {
    enum Failure: Error, Equatable {
        case syntax
        case tooDeep
    }

    /// Deeper nesting is refused before the recursion could exhaust a thread's stack.
    static let maximumDepth = 64

    /// The value the bytes hold: exactly one value with only whitespace around it.
    static func parse(_ bytes: [UInt8]) -> Result<JSONValue, Failure> {
        bytes.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(buffer)
            do throws(Failure) {
                parser.skipWhitespace()
                let value = try parser.value(depth: 0)
                parser.skipWhitespace()
                guard parser.position == buffer.count else { throw .syntax }
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// The byte at `position`, 0 past the end: NUL may not appear unescaped anywhere in JSON text, so an
    /// end that comes too early reads as the syntax error it is.
    private var current: UInt8 { position < bytes.count ? bytes[position] : 0 }

    private mutating func skipWhitespace() {
        while current == 0x20 || current == 0x0A || current == 0x0D || current == 0x09 {
            position += 1
        }
    }

    private mutating func expect(_ byte: UInt8) throws(Failure) {
        guard current == byte else { throw .syntax }
        position += 1
    }

    private mutating func value(depth: Int) throws(Failure) -> JSONValue {
        guard depth < Self.maximumDepth else { throw .tooDeep }
        switch current {
        case UInt8(ascii: "{"): return .object(try object(depth: depth + 1))
        case UInt8(ascii: "["): return .array(try array(depth: depth + 1))
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try number()
            return .number
        default: throw .syntax
        }
    }

    private mutating func object(depth: Int) throws(Failure) -> JSONObject {
        try expect(UInt8(ascii: "{"))
        var object = JSONObject()
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            position += 1
            return object
        }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw .syntax }
            let key = try string()
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            let member = try value(depth: depth)
            if object.members[key] == nil {
                object.members[key] = member
            } else if !object.repeatedKeys.contains(key) {
                object.repeatedKeys.append(key)
            }
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"):
                position += 1
                return object
            default: throw .syntax
            }
        }
    }

    private mutating func array(depth: Int) throws(Failure) -> [JSONValue] {
        try expect(UInt8(ascii: "["))
        var items: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            position += 1
            return items
        }
        while true {
            skipWhitespace()
            items.append(try value(depth: depth))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"):
                position += 1
                return items
            default: throw .syntax
            }
        }
    }

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let count = word.utf8CodeUnitCount
        guard bytes.count - position >= count else { throw .syntax }
        for index in 0..<count where bytes[position + index] != word.utf8Start[index] {
            throw .syntax
        }
        position += count
    }

    private mutating func number() throws(Failure) {
        if current == UInt8(ascii: "-") { position += 1 }
        switch current {
        case UInt8(ascii: "0"): position += 1
        case UInt8(ascii: "1")...UInt8(ascii: "9"): skipDigits()
        default: throw .syntax
        }
        if current == UInt8(ascii: ".") {
            position += 1
            try requireDigits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            try requireDigits()
        }
    }

    private mutating func requireDigits() throws(Failure) {
        guard Self.isDigit(current) else { throw .syntax }
        skipDigits()
    }

    private mutating func skipDigits() {
        while Self.isDigit(current) { position += 1 }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    /// A string from its opening quote. Unescaped text is copied as it is (the caller has checked that the
    /// message is UTF-8); escapes are decoded, and a lone surrogate is refused: it is no character.
    private mutating func string() throws(Failure) -> String {
        try expect(UInt8(ascii: "\""))
        let start = position
        while current != UInt8(ascii: "\""), current != UInt8(ascii: "\\") {
            guard current >= 0x20 else { throw .syntax }
            position += 1
        }
        let plain = UnsafeBufferPointer(rebasing: bytes[start..<position])
        if current == UInt8(ascii: "\"") {
            position += 1
            return String(decoding: plain, as: UTF8.self)
        }
        var decoded = Array(plain)
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: decoded, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try escape(into: &decoded)
            case ..<0x20:
                throw .syntax
            default:
                decoded.append(byte)
            }
        }
        throw .syntax
    }

    private mutating func escape(into decoded: inout [UInt8]) throws(Failure) {
        let byte = current
        position += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(byte)
        case UInt8(ascii: "b"): decoded.append(0x08)
        case UInt8(ascii: "f"): decoded.append(0x0C)
        case UInt8(ascii: "n"): decoded.append(0x0A)
        case UInt8(ascii: "r"): decoded.append(0x0D)
        case UInt8(ascii: "t"): decoded.append(0x09)
        case UInt8(ascii: "u"): UTF8.encode(try escapedScalar()) { decoded.append($0) }
        default: throw .syntax
        }
    }

    /// The scalar of a `\uXXXX` escape (its `\u` read), or of a surrogate pair's two escapes.
    private mutating func escapedScalar() throws(Failure) -> Unicode.Scalar {
        let unit = try hexUnit()
        switch unit {
        case 0xD800...0xDBFF:
            guard bytes.count - position >= 2, bytes[position] == UInt8(ascii: "\\"),
                bytes[position + 1] == UInt8(ascii: "u")
            else { throw .syntax }
            position += 2
            let low = try hexUnit()
            guard (0xDC00...0xDFFF).contains(low) else { throw .syntax }
            let value = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            guard let scalar = Unicode.Scalar(value) else { throw .syntax }
            return scalar
        case 0xDC00...0xDFFF:
            throw .syntax
        default:
            guard let scalar = Unicode.Scalar(unit) else { throw .syntax }
            return scalar
        }
    }

    private mutating func hexUnit() throws(Failure) -> UInt16 {
        guard bytes.count - position >= 4 else { throw .syntax }
        var unit: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw .syntax
            }
            unit = unit << 4 | UInt16(digit)
            position += 1
        }
        return unit
    }
}
