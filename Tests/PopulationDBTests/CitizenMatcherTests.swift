import DanCuContract
import PopulationDB
import SyntheticPopulation
import Testing

@testable import PopulationSimulator

/// The simulator is as strict as a real registry: it stores names in one tone convention and finds a
/// citizen by that exact text only, so that the gateway's normalisation is what tests exercise.
@Suite struct CitizenMatcherTests {
    static let population = SyntheticPopulation(seed: 1, size: 20_000)

    /// A citizen whose name the two conventions write differently (an open OA, OE or UY), such as THỦY.
    static func citizenWithConventionDependentName() throws -> CitizenRecord {
        try #require(
            (0..<population.size).lazy.map { population.citizen(at: $0) }.first {
                TonePlacement.modern.placingTones(in: $0.fullName) != $0.fullName
            }
        )
    }

    static func query(_ citizen: CitizenRecord, name: String) -> PopulationQuery {
        PopulationQuery(requestId: "r", idNumber: citizen.idNumber, fullName: name, dateOfBirth: citizen.dateOfBirth)
    }

    /// A link's question: is this CMND on that CCCD's record? Name and date are compared only when given.
    @Test func thePairOfNumbersMatchesWithoutNameOrDate() throws {
        let citizen = try #require(
            (0..<Self.population.size).lazy.map { Self.population.citizen(at: $0) }.first { $0.legacyIdNumber != nil }
        )
        let legacy = try #require(citizen.legacyIdNumber)
        let matcher = CitizenMatcher(population: Self.population, tones: .traditional)
        func pair(_ cmnd: String, name: String? = nil) -> PopulationQuery {
            PopulationQuery(
                requestId: "r",
                idNumber: citizen.idNumber,
                fullName: name,
                dateOfBirth: nil,
                legacyIdNumber: cmnd
            )
        }
        #expect(matcher.match(pair(legacy)) == citizen)
        #expect(matcher.match(pair(legacy, name: citizen.fullName)) == citizen)
        #expect(matcher.match(pair(legacy, name: citizen.fullName + " A")) == nil)
        #expect(matcher.match(pair(legacy == "000000000" ? "000000001" : "000000000")) == nil)
    }

    @Test func theSyntheticPopulationWritesNamesTheTraditionalWay() {
        for index in 0..<2_000 {
            let name = Self.population.citizen(at: index).fullName
            #expect(TonePlacement.traditional.placingTones(in: name) == name)
        }
    }

    @Test(arguments: TonePlacement.allCases)
    func onlyTheStoredConventionMatches(stored: TonePlacement) throws {
        let citizen = try Self.citizenWithConventionDependentName()
        let matcher = CitizenMatcher(population: Self.population, tones: stored)
        for written in TonePlacement.allCases {
            let name = written.placingTones(in: citizen.fullName)
            let match = matcher.match(Self.query(citizen, name: name))
            #expect((match != nil) == (written == stored), "\(written) name against a \(stored) registry")
            #expect(match.map(\.fullName) == (written == stored ? name : nil), "the record carries the stored text")
        }
        #expect(matcher.match(Self.query(citizen, name: citizen.fullName.lowercased())) == nil)
        #expect(matcher.match(Self.query(citizen, name: " " + citizen.fullName)) == nil)
    }
}
