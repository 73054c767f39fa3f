/// The SplitMix64 finaliser: a bijective 64-bit mixer whose every output bit depends on every input bit.
@inline(__always)
func mix64(_ value: UInt64) -> UInt64 {
    var z = value &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

/// A keyed hash of several words; distinct `(key, a, b)` give independent-looking values.
@inline(__always)
func hash(_ key: UInt64, _ a: UInt64, _ b: UInt64 = 0) -> UInt64 {
    mix64(mix64(mix64(key) ^ a) ^ b)
}

/// Independent random-looking draws for one citizen, each a pure function of (seed, index, attribute).
/// Keying each attribute separately keeps attributes independent of how many draws others use.
struct CitizenDraws {
    let base: UInt64

    init(seed: UInt64, index: Int) {
        base = hash(seed, UInt64(index), 0x4349_5449_5A45_4E53)
    }

    /// The raw 64-bit draw for `attribute`.
    func bits(_ attribute: Attribute) -> UInt64 {
        mix64(base ^ attribute.rawValue)
    }

    /// A draw in `0..<bound` (`bound` > 0); the multiply-high mapping's bias is below 2⁻³².
    func below(_ bound: Int, _ attribute: Attribute) -> Int {
        scaled(bits(attribute), below: bound)
    }

    /// Whether an event of probability `perMille`/1000 happens.
    func chance(perMille: Int, _ attribute: Attribute) -> Bool {
        below(1000, attribute) < perMille
    }

    /// Append new cases at the end: a case's raw value keys its draws, so renumbering changes every population.
    enum Attribute: UInt64 {
        case cmndHolder = 0x01
        case yearOnlyBirthDate, dayOfYear
        case surname, middleName, secondMiddleName, givenName
        case ethnicity, religion, maritalStatus, maritalStatusMissing, bloodType, bloodTypeMissing
        case nationalityMissing
        case hometownProvince, hometownMissing, hometownPlace
        case permanentProvince, permanentPlace
        case currentMoved, currentProvince, currentPlace, currentMissing
        case birthPlace, birthPlaceMissing
        case addressesBeforeReform
    }
}

/// Maps a uniform 64-bit value into `0..<bound` (`bound` > 0) by multiply-high.
@inline(__always)
func scaled(_ value: UInt64, below bound: Int) -> Int {
    Int(truncatingIfNeeded: value.multipliedFullWidth(by: UInt64(bound)).high)
}
