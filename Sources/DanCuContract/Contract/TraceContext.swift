/// The W3C Trace Context headers (https://www.w3.org/TR/trace-context/) a portal may put on a request message.
/// Each is parsed by the specification's grammar before anything uses it: a value that does not parse is
/// dropped, never forwarded to the population database or to an outcome.
public enum TraceContext {
    public static let traceparentHeader = "traceparent"
    public static let tracestateHeader = "tracestate"

    /// Version 00 is exactly this long; later versions may append fields after a dash.
    static let traceparentVersion00Length = 55
    /// Longer than any traceparent worth reading: refused without parsing.
    public static let maximumTraceparentBytes = 512
    /// The specification's bounds on `tracestate`.
    public static let maximumTracestateBytes = 512
    public static let maximumTracestateMembers = 32

    /// The `traceparent` to forward, as version 00, or `nil` when `bytes` is not one. A later version (not
    /// `ff`) is read as the specification says (its first four fields, the rest after a dash ignored) and
    /// forwarded as version 00 with only the sampled flag, the one flag version 00 defines for it.
    public static func traceparent(_ bytes: [UInt8]) -> String? {
        guard (traceparentVersion00Length...maximumTraceparentBytes).contains(bytes.count) else { return nil }
        let version = bytes[0..<2]
        guard version.allSatisfy(isLowercaseHex), version != [0x66, 0x66] else { return nil }
        let isVersion00 = version.elementsEqual("00".utf8)
        if isVersion00 {
            guard bytes.count == traceparentVersion00Length else { return nil }
        } else if bytes.count > traceparentVersion00Length {
            guard bytes[traceparentVersion00Length] == dash else { return nil }
        }
        guard bytes[2] == dash, bytes[35] == dash, bytes[52] == dash else { return nil }
        let traceId = bytes[3..<35]
        let parentId = bytes[36..<52]
        let flags = bytes[53..<55]
        guard traceId.allSatisfy(isLowercaseHex), parentId.allSatisfy(isLowercaseHex), flags.allSatisfy(isLowercaseHex)
        else { return nil }
        guard traceId.contains(where: { $0 != zero }), parentId.contains(where: { $0 != zero }) else { return nil }
        let ids = String(decoding: bytes[2..<53], as: UTF8.self)
        if isVersion00 { return "00" + ids + String(decoding: flags, as: UTF8.self) }
        let sampled = flags.last.map { hexValue($0) & 1 == 1 } ?? false
        return "00" + ids + (sampled ? "01" : "00")
    }

    /// The `tracestate` to forward, its list-members joined by `,` without optional whitespace, or `nil` when
    /// `bytes` breaks the grammar: more than 32 members, more than 512 bytes, a key or value outside its
    /// alphabet, a key given twice. Empty members are allowed and dropped, as the specification says.
    public static func tracestate(_ bytes: [UInt8]) -> String? {
        guard bytes.count <= maximumTracestateBytes else { return nil }
        var members: [ArraySlice<UInt8>] = []
        var keys = Set<ArraySlice<UInt8>>()
        for raw in bytes.split(separator: comma, omittingEmptySubsequences: false) {
            let member = trimmingOptionalWhitespace(raw)
            if member.isEmpty { continue }
            guard let equals = member.firstIndex(of: equalsSign) else { return nil }
            let key = member[member.startIndex..<equals]
            let value = member[(equals + 1)...]
            guard isKey(key), isValue(value), keys.insert(key).inserted else { return nil }
            members.append(member)
        }
        guard members.count <= maximumTracestateMembers else { return nil }
        return members.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ",")
    }

    // MARK: Grammar

    private static let dash = UInt8(ascii: "-")
    private static let zero = UInt8(ascii: "0")
    private static let comma = UInt8(ascii: ",")
    private static let equalsSign = UInt8(ascii: "=")

    private static func isLowercaseHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8 {
        byte <= UInt8(ascii: "9") ? byte - UInt8(ascii: "0") : byte - UInt8(ascii: "a") + 10
    }

    /// OWS = *( SP / HTAB ) on both sides of a list-member.
    private static func trimmingOptionalWhitespace(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let isOWS = { (byte: UInt8) in byte == 0x20 || byte == 0x09 }
        guard let first = bytes.firstIndex(where: { !isOWS($0) }), let last = bytes.lastIndex(where: { !isOWS($0) })
        else { return [] }
        return bytes[first...last]
    }

    private static func isLowercaseLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    /// lcalpha / DIGIT / "_" / "-" / "*" / "/"
    private static func isKeyCharacter(_ byte: UInt8) -> Bool {
        isLowercaseLetter(byte) || isDigit(byte) || "_-*/".utf8.contains(byte)
    }

    /// simple-key = lcalpha 0*255(key character); multi-tenant-key = tenant-id "@" system-id, where
    /// tenant-id = (lcalpha / DIGIT) 0*240(key character) and system-id = lcalpha 0*13(key character).
    private static func isKey(_ key: ArraySlice<UInt8>) -> Bool {
        guard let at = key.firstIndex(of: UInt8(ascii: "@")) else {
            guard let first = key.first, isLowercaseLetter(first), key.count <= 256 else { return false }
            return key.dropFirst().allSatisfy(isKeyCharacter)
        }
        let tenant = key[key.startIndex..<at]
        let system = key[(at + 1)...]
        guard let tenantFirst = tenant.first, isLowercaseLetter(tenantFirst) || isDigit(tenantFirst),
            tenant.count <= 241, tenant.dropFirst().allSatisfy(isKeyCharacter)
        else { return false }
        guard let systemFirst = system.first, isLowercaseLetter(systemFirst), system.count <= 14 else { return false }
        return system.dropFirst().allSatisfy(isKeyCharacter)
    }

    /// value = 0*255(chr) nblk-chr, chr = SP / nblk-chr, nblk-chr = printable ASCII but `,` and `=`.
    private static func isValue(_ value: ArraySlice<UInt8>) -> Bool {
        let isNonBlank = { (byte: UInt8) in (0x21...0x7E).contains(byte) && byte != comma && byte != equalsSign }
        guard let last = value.last, isNonBlank(last), value.count <= 256 else { return false }
        return value.allSatisfy { $0 == 0x20 || isNonBlank($0) }
    }
}
