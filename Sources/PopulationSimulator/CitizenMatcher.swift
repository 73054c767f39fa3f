import DanCuContract
import Foundation
import PopulationDB
import SyntheticPopulation

/// The database's matching rule, as strict as a real registry's: the ID must exist, the name must be the
/// stored text exactly (uppercase NFC, single spaces, tones in the registry's convention: `Thủy` and
/// `THUỶ` are not `THỦY`), and the date of birth must match on the full date, or on the year when only the
/// year is given. Writing names the registry's way is the gateway's job, not the registry's.
struct CitizenMatcher: Sendable {
    let population: SyntheticPopulation
    /// The convention the registry stores names in.
    let tones: TonePlacement

    func match(_ query: PopulationQuery) -> CitizenRecord? {
        let candidate: CitizenRecord? =
            switch query.idKind {
            case .citizenIdentity: population.citizen(idNumber: query.idNumber)
            case .legacyIdentityCard: population.citizen(legacyIdNumber: query.idNumber)
            case nil: nil
            }
        guard var candidate else { return nil }
        candidate.fullName = tones.placingTones(in: candidate.fullName)
        // What the query leaves out is not compared; decoding refused queries that leave out too much.
        guard query.fullName.map({ $0 == candidate.fullName }) ?? true,
            query.dateOfBirth.map(candidate.dateOfBirth.matches) ?? true,
            query.legacyIdNumber.map({ $0 == candidate.legacyIdNumber }) ?? true
        else { return nil }
        return candidate
    }
}
