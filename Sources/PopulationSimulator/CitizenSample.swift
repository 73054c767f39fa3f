public import DanCuContract
import SyntheticPopulation

/// A full record as `GET /_sim/citizens/sample` returns it, with the field names of the
/// gateway's outcome `citizen`, so that test tools can build requests with known answers.
public struct CitizenSample: Sendable, Hashable, Codable {
    public var fullName: String
    public var idNumber: String
    public var legacyIdNumber: String?
    public var gender: Gender?
    public var ethnicity: String?
    public var religion: String?
    public var maritalStatus: String?
    public var bloodType: String?
    /// `dd/MM/yyyy`, or `yyyy` when only the year is recorded.
    public var dateOfBirth: String
    public var nationality: String?
    public var birthRegistrationPlace: Address?
    public var hometown: Address?
    public var permanentAddress: Address?
    public var currentAddress: Address?

    public init(_ record: CitizenRecord) {
        fullName = record.fullName
        idNumber = record.idNumber
        legacyIdNumber = record.legacyIdNumber
        gender = record.gender
        ethnicity = record.ethnicity
        religion = record.religion
        maritalStatus = record.maritalStatus
        bloodType = record.bloodType
        dateOfBirth = record.dateOfBirth.displayText
        nationality = record.nationality
        birthRegistrationPlace = record.birthRegistrationPlace
        hometown = record.hometown
        permanentAddress = record.permanentAddress
        currentAddress = record.currentAddress
    }

    /// The most records one sample request returns.
    static let maximumCount = 10_000

    /// `count` distinct citizens chosen by `seed` (Floyd's algorithm: distinct without a shuffle).
    static func draw(count: Int, seed: UInt64, from population: SyntheticPopulation, size: Int) -> [CitizenSample] {
        let count = min(count, size, maximumCount)
        guard count > 0 else { return [] }
        var generator = SplitMix64(seed: seed)
        var chosen = Set<Int>()
        var order: [Int] = []
        for upper in (size - count)..<size {
            let candidate = Int.random(in: 0...upper, using: &generator)
            let pick = chosen.contains(candidate) ? upper : candidate
            chosen.insert(pick)
            order.append(pick)
        }
        return order.map { CitizenSample(population.citizen(at: $0)) }
    }
}

/// A small seeded generator so that a sample seed always names the same citizens.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
