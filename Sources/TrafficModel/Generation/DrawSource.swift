/// Deterministic draws (SplitMix64): request `n` of a run with seed `s` is the same on every machine,
/// so a failing request can be generated again from its sequence number alone.
struct DrawSource: RandomNumberGenerator {
    private var state: UInt64

    init(_ parts: UInt64...) {
        state = 0x9E37_79B9_7F4A_7C15
        for part in parts { state = Self.mix(state ^ part) }
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// Uniform in `0..<1`.
    mutating func unit() -> Double {
        Double(next() >> 11) / Double(UInt64(1) << 53)
    }

    mutating func chance(_ share: Double) -> Bool { unit() < share }

    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
