/// Why a document could not be read; says where, never what (bodies may hold personal data).
struct XMLParseError: Error, Equatable, CustomStringConvertible {
    var reason: String
    var offset: Int

    var description: String { "XML parse error at byte \(offset): \(reason)" }
}

/// A small, strict-enough XML reader for SOAP messages: elements, attributes, namespaces,
/// entity and character references, CDATA, comments and processing instructions.
/// Document type declarations are refused, so no entity expansion can be smuggled in.
struct XMLTreeParser {
    /// Deep enough for any SOAP message we exchange, shallow enough to keep recursion safe.
    static let maximumDepth = 64

    private let bytes: [UInt8]
    private var position = 0

    private init(bytes: [UInt8]) { self.bytes = bytes }

    static func parse(_ data: some Sequence<UInt8>) throws(XMLParseError) -> XMLTreeElement {
        var parser = XMLTreeParser(bytes: Array(data))
        return try parser.parseDocument()
    }

    static func parse(_ text: String) throws(XMLParseError) -> XMLTreeElement {
        try parse(text.utf8)
    }

    private mutating func parseDocument() throws(XMLParseError) -> XMLTreeElement {
        // A UTF-8 byte order mark is allowed before the prolog.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        try skipMisc()
        guard peek(is: "<") else { throw failure("expected the root element") }
        position += 1
        let root = try parseElement(scope: NamespaceScope(), depth: 0)
        try skipMisc()
        guard position == bytes.count else { throw failure("content after the root element") }
        return root
    }

    /// Skips whitespace, comments and processing instructions (the prolog and the epilogue).
    private mutating func skipMisc() throws(XMLParseError) {
        while true {
            skipWhitespace()
            if peek(is: "<?") {
                try skip(past: "?>")
            } else if peek(is: "<!--") {
                try skip(past: "-->")
            } else if peek(is: "<!") {
                throw failure("document type declarations are not accepted")
            } else {
                return
            }
        }
    }

    /// Parses an element whose `<` has been consumed.
    private mutating func parseElement(
        scope parentScope: NamespaceScope,
        depth: Int
    ) throws(XMLParseError)
        -> XMLTreeElement
    {
        guard depth < Self.maximumDepth else { throw failure("elements nested too deeply") }
        let qualifiedName = try readName()
        var scope = parentScope
        var attributes: [String: String] = [:]
        var selfClosing = false
        while true {
            let hadSpace = skipWhitespace()
            if peek(is: "/>") {
                position += 2
                selfClosing = true
                break
            }
            if peek(is: ">") {
                position += 1
                break
            }
            guard hadSpace else { throw failure("expected whitespace before an attribute") }
            let name = try readName()
            skipWhitespace()
            guard peek(is: "=") else { throw failure("expected '=' after an attribute name") }
            position += 1
            skipWhitespace()
            let value = try readAttributeValue()
            if name == "xmlns" {
                scope.bind(prefix: "", to: value)
            } else if name.hasPrefix("xmlns:") {
                scope.bind(prefix: String(name.dropFirst(6)), to: value)
            } else {
                attributes[name] = value
            }
        }
        let (prefix, localName) = Self.split(qualifiedName)
        var element = XMLTreeElement(
            namespace: scope.namespace(forPrefix: prefix ?? ""),
            localName: localName,
            attributes: attributes,
            children: [],
            text: ""
        )
        if selfClosing { return element }

        var text: [UInt8] = []
        while true {
            guard position < bytes.count else { throw failure("unclosed element <\(qualifiedName)>") }
            if peek(is: "</") {
                position += 2
                let closing = try readName()
                guard closing == qualifiedName else {
                    throw failure("</\(closing)> closes <\(qualifiedName)>")
                }
                skipWhitespace()
                guard peek(is: ">") else { throw failure("expected '>' in a closing tag") }
                position += 1
                element.text = String(decoding: text, as: UTF8.self)
                return element
            } else if peek(is: "<!--") {
                try skip(past: "-->")
            } else if peek(is: "<![CDATA[") {
                position += 9
                let start = position
                try skip(past: "]]>")
                text.append(contentsOf: bytes[start..<(position - 3)])
            } else if peek(is: "<?") {
                try skip(past: "?>")
            } else if peek(is: "<") {
                position += 1
                element.children.append(try parseElement(scope: scope, depth: depth + 1))
            } else {
                try readCharacterData(into: &text, terminator: UInt8(ascii: "<"))
            }
        }
    }

    private mutating func readName() throws(XMLParseError) -> String {
        let start = position
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n")
                || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: ">")
                || byte == UInt8(ascii: "=") || byte == UInt8(ascii: "<") || byte == UInt8(ascii: "\"")
                || byte == UInt8(ascii: "'")
            {
                break
            }
            position += 1
        }
        guard position > start else { throw failure("expected a name") }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    private mutating func readAttributeValue() throws(XMLParseError) -> String {
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") || bytes[position] == UInt8(ascii: "'")
        else { throw failure("expected a quoted attribute value") }
        let quote = bytes[position]
        position += 1
        var value: [UInt8] = []
        try readCharacterData(into: &value, terminator: quote)
        guard position < bytes.count else { throw failure("unterminated attribute value") }
        position += 1
        return String(decoding: value, as: UTF8.self)
    }

    /// Reads up to (not including) `terminator` or the end, decoding references.
    private mutating func readCharacterData(into output: inout [UInt8], terminator: UInt8) throws(XMLParseError) {
        while position < bytes.count, bytes[position] != terminator {
            if bytes[position] == UInt8(ascii: "&") {
                try readReference(into: &output)
            } else {
                output.append(bytes[position])
                position += 1
            }
        }
    }

    private mutating func readReference(into output: inout [UInt8]) throws(XMLParseError) {
        let start = position
        guard let semicolon = bytes[position...].prefix(12).firstIndex(of: UInt8(ascii: ";")) else {
            throw failure("unterminated reference")
        }
        let name = String(decoding: bytes[(start + 1)..<semicolon], as: UTF8.self)
        position = semicolon + 1
        switch name {
        case "lt": output.append(UInt8(ascii: "<"))
        case "gt": output.append(UInt8(ascii: ">"))
        case "amp": output.append(UInt8(ascii: "&"))
        case "quot": output.append(UInt8(ascii: "\""))
        case "apos": output.append(UInt8(ascii: "'"))
        default:
            let scalarValue: UInt32? =
                if name.hasPrefix("#x") { UInt32(name.dropFirst(2), radix: 16) } else if name.hasPrefix("#") {
                    UInt32(name.dropFirst(1), radix: 10)
                } else { nil }
            guard let scalarValue, let scalar = Unicode.Scalar(scalarValue) else {
                position = start
                throw failure("unknown reference")
            }
            output.append(contentsOf: String(Character(scalar)).utf8)
        }
    }

    @discardableResult
    private mutating func skipWhitespace() -> Bool {
        let start = position
        while position < bytes.count,
            bytes[position] == UInt8(ascii: " ") || bytes[position] == UInt8(ascii: "\n")
                || bytes[position] == UInt8(ascii: "\t") || bytes[position] == UInt8(ascii: "\r")
        {
            position += 1
        }
        return position > start
    }

    private mutating func skip(past terminator: StaticString) throws(XMLParseError) {
        while position < bytes.count {
            if peek(is: terminator) {
                position += terminator.utf8CodeUnitCount
                return
            }
            position += 1
        }
        throw failure("expected '\(terminator)'")
    }

    private func peek(is literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - position >= count else { return false }
        return literal.withUTF8Buffer { expected in
            for offset in 0..<count where bytes[position + offset] != expected[offset] { return false }
            return true
        }
    }

    private func failure(_ reason: String) -> XMLParseError {
        XMLParseError(reason: reason, offset: position)
    }

    private static func split(_ qualifiedName: String) -> (prefix: String?, localName: String) {
        guard let colon = qualifiedName.firstIndex(of: ":") else { return (nil, qualifiedName) }
        return (String(qualifiedName[..<colon]), String(qualifiedName[qualifiedName.index(after: colon)...]))
    }
}

/// The prefix → namespace bindings in force at one element (the empty prefix is the default namespace).
private struct NamespaceScope {
    private var bindings: [String: String] = ["xml": "http://www.w3.org/XML/1998/namespace"]

    mutating func bind(prefix: String, to namespace: String) {
        // `xmlns=""` undeclares the default namespace.
        bindings[prefix] = namespace.isEmpty ? nil : namespace
    }

    /// An unbound prefix leaves the element without a namespace rather than failing the message:
    /// callers that care check the namespace.
    func namespace(forPrefix prefix: String) -> String? { bindings[prefix] }
}
