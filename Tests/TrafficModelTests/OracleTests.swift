import DanCuContract
import Foundation
import SyntheticPopulation
import Testing

@testable import TrafficModel

@Suite struct OracleTests {
    /// Enough requests that every kind appears on every portal that can make it.
    static func generated(count: Int = 3000) throws -> (TrafficGenerator, [PlannedRequest]) {
        let profile = LoadProfile(
            count: count,
            repeatShare: 0.3,
            wrongShare: 0.3,
            invalidShare: 0.1,
            forbiddenShare: 0.1,
            seed: 7,
            citizens: 20_000
        )
        let generator = TrafficGenerator(profile: profile, rules: try Fixture.rules(), runId: "ldtest")
        return (generator, (0..<count).map(generator.request))
    }

    @Test func everyKindIsGenerated() throws {
        let (_, requests) = try Self.generated()
        let kinds = Set(requests.compactMap(\.expectation.kind))
        #expect(kinds == Set(RequestKind.allCases))
    }

    @Test func eachKindExpectsItsStatus() throws {
        let (_, requests) = try Self.generated()
        for request in requests {
            let kind = try #require(request.expectation.kind)
            let sent = SentRequest(request.value)
            #expect(
                request.expectation.status == Fixture.intendedStatus(kind, type: sent.type),
                "\(kind) \(sent.type?.rawValue ?? "?") got \(request.expectation.status?.rawValue ?? "none")"
            )
        }
    }

    @Test func gatewayDecisionsCarryTheirCodesAndDatabaseOnesAllowOutages() throws {
        let (_, requests) = try Self.generated()
        for request in requests {
            let expectation = request.expectation
            switch expectation.kind {
            case .invalid?, .forbiddenField?, .portalMismatch?, .typeNotAllowed?:
                #expect(expectation.source == .gateway && !expectation.allowsTransient)
                #expect(!expectation.errorCodes.isEmpty)
            case .contradictoryDigits?:
                #expect(expectation.source == .gateway && !expectation.allowsTransient)
                #expect(
                    Set(expectation.errorCodes).isSubset(of: ["id_number_year_mismatch", "id_number_century_mismatch"])
                        && expectation.errorCodes.count == 1
                )
            case .wrongDateOfBirth? where expectation.source == .gateway:
                // A year-only record matches any date of its year: its wrong date changes the year instead.
                #expect(
                    expectation.errorCodes == ["id_number_year_mismatch"]
                        || expectation.errorCodes == ["id_number_century_mismatch"]
                )
            default:
                #expect(expectation.source == .database && expectation.allowsTransient)
                #expect(expectation.errorCodes.isEmpty)
            }
        }
        let forbiddenCodes = Set(
            requests.filter { $0.expectation.kind == .forbiddenField }.flatMap(\.expectation.errorCodes)
        )
        #expect(forbiddenCodes == ["field_not_allowed"])
        let mismatchCodes = Set(
            requests.filter { $0.expectation.kind == .portalMismatch }.flatMap(\.expectation.errorCodes)
        )
        #expect(mismatchCodes == ["portal_mismatch"])
    }

    /// A found lookup or link must release exactly the procedure's (or link's) fields with the record's values.
    @Test func foundRequestsExpectTheRecordsAllowedFields() throws {
        let (generator, requests) = try Self.generated()
        let rules = try Fixture.rules()
        var checked = 0
        for request in requests where request.expectation.status == .found {
            let sent = SentRequest(request.value)
            let idNumber = try #require(sent.citizen["idNumber"])
            let record = try #require(generator.population.citizen(idNumber: idNumber))
            var released = record
            let allowed: [CitizenField]
            if sent.type == .link {
                allowed = [.fullName, .idNumber, .legacyIdNumber, .dateOfBirth]
                // A link releases the date as the portal wrote it: a year stays a year.
                if case .full(let year, _, _) = record.dateOfBirth, sent.citizen["dateOfBirth"] == String(year) {
                    released.dateOfBirth = .yearOnly(year)
                }
            } else {
                let code = try #require(sent.object["procedureCode"] as? String)
                let procedureFields = try #require(rules.procedure(forCode: code)).fields
                let asked = (sent.object["fields"] as? [String])?.compactMap(CitizenField.init) ?? procedureFields
                allowed = asked
            }
            #expect(request.expectation.citizen == ReleasedCitizen(released, releasing: allowed))
            checked += 1
        }
        #expect(checked > 100)
    }

    /// Names are written as portals write them, yet read back as the record's name; wrong names are not.
    @Test func namesAreMessyButReadAsTheRecord() throws {
        let (generator, requests) = try Self.generated()
        var messy = 0
        for request in requests where request.expectation.kind == .correct || request.expectation.kind == .wrongName {
            let sent = SentRequest(request.value)
            let written = try #require(sent.citizen["fullName"])
            let record = try #require(generator.population.citizen(idNumber: sent.citizen["idNumber"] ?? ""))
            let normalized = try FullName.normalize(written, tones: .traditional).get()
            #expect((normalized == record.fullName) == (request.expectation.kind == .correct))
            if written != record.fullName { messy += 1 }
        }
        #expect(messy > 100)
    }

    @Test func unknownIdsBelongToNobodyAndWrongDatesKeepTheYear() throws {
        let (generator, requests) = try Self.generated()
        for request in requests {
            let sent = SentRequest(request.value)
            let idNumber = sent.citizen["idNumber"] ?? ""
            switch request.expectation.kind {
            case .unknownId?:
                #expect(generator.population.citizen(idNumber: idNumber) == nil)
            case .wrongDateOfBirth?:
                let record = try #require(generator.population.citizen(idNumber: idNumber))
                let date = try DateOfBirth.parse(sent.citizen["dateOfBirth"] ?? "", today: Date()).get()
                #expect(!record.dateOfBirth.matches(date))
            default:
                break
            }
        }
    }

    @Test func sharesFollowTheProfile() throws {
        let (_, requests) = try Self.generated(count: 4000)
        func share(_ kinds: Set<RequestKind>) -> Double {
            Double(requests.filter { kinds.contains($0.expectation.kind ?? .correct) }.count) / Double(requests.count)
        }
        #expect(abs(share([.invalid]) - 0.1) < 0.02)
        #expect(abs(share([.forbiddenField, .portalMismatch, .typeNotAllowed]) - 0.1) < 0.02)
        #expect(
            abs(share([.wrongDateOfBirth, .wrongName, .unknownId, .contradictoryDigits, .wrongLegacyId]) - 0.3) < 0.03
        )
        let portals = Dictionary(grouping: requests, by: \.portal).mapValues(\.count)
        #expect(Set(portals.keys) == ["angiang", "haiphong", "phutho"])
        #expect(requests.allSatisfy { $0.requestId.hasPrefix("ldtest-") })
    }

    @Test func generationIsDeterministic() throws {
        let (generator, requests) = try Self.generated(count: 50)
        #expect((0..<50).map(generator.request) == requests)
    }

    /// The checker itself: a correct outcome passes, each kind of corruption is named.
    @Test func checkerJudgesOutcomes() throws {
        let (_, requests) = try Self.generated()
        let found = try #require(
            requests.first { $0.expectation.status == .found && $0.expectation.citizen?.values.count ?? 0 > 1 }
        )
        let expectation = found.expectation
        let good = Outcome(
            requestId: found.requestId,
            portal: found.portal,
            type: .lookup,
            status: .found,
            message: expectation.message ?? "",
            citizen: expectation.citizen,
            source: .cache,
            attempts: 0,
            receivedAt: Date(),
            completedAt: Date()
        )
        #expect(expectation.check(good) == .correct)
        var wrongStatus = good
        wrongStatus.status = .notFound
        var wrongSource = good
        wrongSource.source = .gateway
        var extraField = good
        var values = expectation.citizen?.values ?? [:]
        values[.religion] = .text("Không")
        extraField.citizen = ReleasedCitizen(values: values)
        var transient = good
        transient.status = .unavailable
        transient.source = .gateway
        for corrupted in [wrongStatus, wrongSource, extraField] {
            guard case .incorrect = expectation.check(corrupted) else {
                Issue.record("not caught: \(corrupted.status) \(corrupted.source)")
                continue
            }
        }
        #expect(expectation.check(transient) == .transient(.unavailable))
        let gatewayDecided = try #require(requests.first { $0.expectation.kind == .invalid }).expectation
        var late = good
        late.status = .expired
        late.source = .gateway
        #expect(gatewayDecided.check(late) != .transient(.expired))
    }
}
