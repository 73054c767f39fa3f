/// Writes the contract's JSON style (compact, sorted keys, unescaped slashes) straight into bytes, for the
/// messages published for every request. Through `JSONEncoder` the outcome and its audit record took a
/// sixth of the cache-hit path's CPU.
///
/// Callers write an object's keys in UTF-8 order, as `JSONEncoder`'s `.sortedKeys` does; the writers'
/// tests compare their bytes with `JSONEncoder`'s for the same values.
package struct ContractJSONWriter {
    package private(set) var bytes: [UInt8] = []
    /// Whether the next key or array element needs a comma before it.
    private var followsValue = false

    package init(capacity: Int = 512) {
        bytes.reserveCapacity(capacity)
    }

    package mutating func object(_ body: (inout ContractJSONWriter) -> Void) {
        open(UInt8(ascii: "{"))
        body(&self)
        close(UInt8(ascii: "}"))
    }

    package mutating func array(_ body: (inout ContractJSONWriter) -> Void) {
        open(UInt8(ascii: "["))
        body(&self)
        close(UInt8(ascii: "]"))
    }

    /// An object key; the value written next belongs to it.
    package mutating func key(_ name: String) {
        separate()
        appendQuoted(name)
        bytes.append(UInt8(ascii: ":"))
        followsValue = false
    }

    package mutating func string(_ value: String) {
        separate()
        appendQuoted(value)
        followsValue = true
    }

    package mutating func integer(_ value: Int) {
        separate()
        bytes.append(contentsOf: String(value).utf8)
        followsValue = true
    }

    package mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
        followsValue = true
    }

    /// A string member, left out when `value` is nil (as `encodeIfPresent` does).
    package mutating func member(_ name: String, _ value: String?) {
        guard let value else { return }
        key(name)
        string(value)
    }

    private mutating func open(_ bracket: UInt8) {
        separate()
        bytes.append(bracket)
        followsValue = false
    }

    private mutating func close(_ bracket: UInt8) {
        bytes.append(bracket)
        followsValue = true
    }

    private mutating func separate() {
        if followsValue { bytes.append(UInt8(ascii: ",")) }
    }

    /// JSON string escapes as `JSONEncoder` writes them: quote, backslash and control characters;
    /// everything else, slashes and non-ASCII included, as UTF-8.
    private mutating func appendQuoted(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var plainFrom = 0
            for (index, byte) in utf8.enumerated()
            where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                bytes.append(contentsOf: utf8[plainFrom..<index])
                appendEscape(byte)
                plainFrom = index + 1
            }
            bytes.append(contentsOf: utf8[plainFrom...])
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendEscape(_ byte: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        default:
            let hexDigits = Array("0123456789abcdef".utf8)
            bytes.append(contentsOf: "u00".utf8)
            bytes.append(hexDigits[Int(byte >> 4)])
            bytes.append(hexDigits[Int(byte & 0x0F)])
        }
    }
}
