import DanCuContract
import Foundation
import PopulationDB
import SyntheticPopulation

/// The database's matching rule: the ID must exist, the name must be equal after NFC, case
/// folding and whitespace collapsing (diacritics matter: `Lê` is not `Le`), and the date of birth
/// must match on the full date, or on the year when only the year is given.
struct CitizenMatcher: Sendable {
    let population: SyntheticPopulation

    func match(_ query: PopulationQuery) -> CitizenRecord? {
        let candidate: CitizenRecord? =
            switch query.idKind {
            case .citizenIdentity: population.citizen(idNumber: query.idNumber)
            case .legacyIdentityCard: population.citizen(legacyIdNumber: query.idNumber)
            case nil: nil
            }
        guard let candidate,
            Self.comparableName(candidate.fullName) == Self.comparableName(query.fullName),
            candidate.dateOfBirth.matches(query.dateOfBirth)
        else { return nil }
        return candidate
    }

    static func comparableName(_ name: String) -> String {
        name.precomposedStringWithCanonicalMapping.lowercased()
            .split(whereSeparator: \.isWhitespace)
            .joined(separator: " ")
    }
}
