import DanCuContract
import Foundation
import Gateway
import PopulationSimulator
import Testing

/// A verify asks the database no more than it needs: yes or no when it names no fields, the record when it
/// fills a form with the fields it names.
@Suite(.timeLimit(.minutes(3))) struct VerifyFillTests {
    /// Only the yes is cached for a plain verify, so a lookup of the same citizen still fetches the record,
    /// which then serves a verify that fills the form.
    @Test func aPlainVerifyNeverFetchesTheRecord() async throws {
        let bed = try await GatewayTestBed()
        let citizen = bed.population.citizen(at: 123)
        let verifies = ["first", "again"].map { id in
            TestRequest.verify(
                "angiang",
                id,
                name: citizen.fullName,
                idNumber: citizen.idNumber,
                dateOfBirth: citizen.dateOfBirth.displayText
            )
        }
        var fill = verifies[0]
        fill.requestId = "fill"
        fill.json["procedureCode"] = "1.000894"
        fill.json["fields"] = ["fullName", "maritalStatus"]
        let thenRecords = [TestRequest.lookup("angiang", "lookup", citizen: citizen, procedure: "1.000894"), fill]
        let collector = try bed.outcomeCollector()
        let producer = try bed.producer()
        try await bed.withGateway {
            for request in verifies {
                try await bed.publish([request], with: producer)
                try await collector.collect { !$0.outcomes(for: request.requestId).isEmpty }
            }
            #expect(
                bed.simulator.stats().byOperation == ["XacThucThongTinCongDan": 1],
                "no record fetched for a yes or no"
            )
            for request in thenRecords {
                try await bed.publish([request], with: producer)
                try await collector.collect { !$0.outcomes(for: request.requestId).isEmpty }
            }
        }
        let collected = collector.snapshot
        await collector.close()

        #expect(bed.simulator.stats().byOperation == ["XacThucThongTinCongDan": 1, "TraCuuThongTinCongDan": 1])
        let first = try #require(collected.outcomes(for: "first").first?.outcome)
        #expect(first.status == .verified && first.source == .populationDb && first.citizen == nil)
        let again = try #require(collected.outcomes(for: "again").first?.outcome)
        #expect(again.status == .verified && again.source == .cache && again.citizen == nil)
        let filled = try #require(collected.outcomes(for: "fill").first?.outcome)
        #expect(filled.status == .verified && filled.source == .cache)
        #expect(filled.citizen == ReleasedCitizen(citizen, releasing: [.fullName, .maritalStatus]))
        await producer.close(flushTimeout: .seconds(5))
        await bed.simulator.stop()
    }

    /// A link by the two numbers alone is a yes or no to the database, and releases only the numbers.
    @Test func aLinkByTheNumbersAloneReleasesOnlyTheNumbers() async throws {
        let bed = try await GatewayTestBed()
        let index = try #require((0..<1_000).first { bed.population.citizen(at: $0).legacyIdNumber != nil })
        let citizen = bed.population.citizen(at: index)
        let legacy = try #require(citizen.legacyIdNumber)
        var link = TestRequest.link("angiang", "pair", citizen: citizen, legacyIdNumber: legacy)
        link.json["citizen"] = ["idNumber": citizen.idNumber]
        let request = link
        let collector = try bed.outcomeCollector()
        let producer = try bed.producer()
        try await bed.withGateway {
            try await bed.publish([request], with: producer)
            try await collector.collect { !$0.outcomes(for: "pair").isEmpty }
        }
        let outcome = try #require(collector.snapshot.outcomes(for: "pair").first?.outcome)
        await collector.close()
        #expect(outcome.status == .found)
        #expect(
            outcome.citizen
                == ReleasedCitizen(values: [.idNumber: .text(citizen.idNumber), .legacyIdNumber: .text(legacy)])
        )
        #expect(bed.simulator.stats().byOperation == ["XacThucThongTinCongDan": 1])
        await producer.close(flushTimeout: .seconds(5))
        await bed.simulator.stop()
    }
}
