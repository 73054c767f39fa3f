/// A keyed bijection of `0..<domain` onto itself: a balanced Feistel network over the smallest
/// even bit width that holds `domain`, cycle-walked back into range. Inverting it needs only the
/// key, so an ID derived from an index decodes back to that index without any stored table.
struct KeyedPermutation: Sendable {
    let domain: UInt64
    private let halfBits: UInt64
    private let halfMask: UInt64
    private let roundKeys: (UInt64, UInt64, UInt64, UInt64)

    /// `domain` must be at least 1.
    init(domain: UInt64, key: UInt64) {
        self.domain = domain
        var bits: UInt64 = 1
        while bits < 32, (UInt64(1) << (2 * bits)) < domain { bits += 1 }
        halfBits = bits
        halfMask = (UInt64(1) << bits) - 1
        roundKeys = (hash(key, 1), hash(key, 2), hash(key, 3), hash(key, 4))
    }

    /// The image of `value` (`value < domain`).
    func apply(_ value: UInt64) -> UInt64 {
        // Cycle walking: the Feistel network permutes a range up to four times the domain;
        // following the cycle until it re-enters the domain keeps the map a bijection of it.
        var result = encrypt(value)
        while result >= domain { result = encrypt(result) }
        return result
    }

    /// The preimage of `value` (`value < domain`): `invert(apply(x)) == x`.
    func invert(_ value: UInt64) -> UInt64 {
        var result = decrypt(value)
        while result >= domain { result = decrypt(result) }
        return result
    }

    @inline(__always)
    private func round(_ half: UInt64, _ key: UInt64) -> UInt64 {
        mix64(half ^ key) & halfMask
    }

    private func encrypt(_ value: UInt64) -> UInt64 {
        var left = value >> halfBits
        var right = value & halfMask
        (left, right) = (right, left ^ round(right, roundKeys.0))
        (left, right) = (right, left ^ round(right, roundKeys.1))
        (left, right) = (right, left ^ round(right, roundKeys.2))
        (left, right) = (right, left ^ round(right, roundKeys.3))
        return left << halfBits | right
    }

    private func decrypt(_ value: UInt64) -> UInt64 {
        var left = value >> halfBits
        var right = value & halfMask
        (left, right) = (right ^ round(left, roundKeys.3), left)
        (left, right) = (right ^ round(left, roundKeys.2), left)
        (left, right) = (right ^ round(left, roundKeys.1), left)
        (left, right) = (right ^ round(left, roundKeys.0), left)
        return left << halfBits | right
    }
}
