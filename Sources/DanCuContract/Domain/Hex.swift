extension Sequence<UInt8> {
    /// Lowercase hexadecimal, two digits a byte: how digests and HMACs are written in headers and records.
    /// Inlinable, so that callers in other modules get it specialised for their digest type: generic
    /// iteration through witness tables was most of an audit record's HMAC cost.
    @inlinable
    package var lowercaseHex: String {
        let bytes = Array(self)
        return String(unsafeUninitializedCapacity: bytes.count * 2) { text in
            for (index, byte) in bytes.enumerated() {
                text[2 * index] = hexDigit(byte >> 4)
                text[2 * index + 1] = hexDigit(byte & 0x0F)
            }
            return bytes.count * 2
        }
    }
}

@inlinable
package func hexDigit(_ nibble: UInt8) -> UInt8 {
    nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
}
