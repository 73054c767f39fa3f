/// Builds an XML document as text. Every text and attribute value goes through `escape`, so a
/// name like `O'NEIL <B> & CO` can never change the document's structure.
struct XMLWriter {
    private(set) var output = ""

    init(declaration: Bool = true) {
        if declaration { output = #"<?xml version="1.0" encoding="UTF-8"?>"# }
    }

    private mutating func open(_ name: String, attributes: KeyValuePairs<String, String> = [:]) {
        output += "<" + name
        for (key, value) in attributes { output += " " + key + "=\"" + Self.escape(value) + "\"" }
        output += ">"
    }

    private mutating func close(_ name: String) {
        output += "</" + name + ">"
    }

    /// `<name>text</name>`; with a `nil` value, the empty element `<name/>` (a missing value).
    mutating func element(_ name: String, _ text: String?) {
        guard let text else {
            output += "<" + name + "/>"
            return
        }
        output += "<" + name + ">" + Self.escape(text) + "</" + name + ">"
    }

    mutating func element(
        _ name: String,
        attributes: KeyValuePairs<String, String> = [:],
        content: (inout XMLWriter) -> Void
    ) {
        open(name, attributes: attributes)
        content(&self)
        close(name)
    }

    /// Escapes markup characters, keeps carriage returns through a reference (a parser would
    /// otherwise normalise them away) and replaces the control characters XML 1.0 cannot carry.
    static func escape(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscaping) else { return text }
        var escaped = ""
        escaped.unicodeScalars.reserveCapacity(text.unicodeScalars.count + 16)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            case "\r": escaped += "&#13;"
            case "\t", "\n": escaped.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
                escaped.unicodeScalars.append("\u{FFFD}")
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    private static func needsEscaping(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "&", "<", ">", "\"", "'": true
        case "\t", "\n": false
        default: scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF
        }
    }
}
