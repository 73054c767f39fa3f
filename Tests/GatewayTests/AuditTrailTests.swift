import DanCuConfig
import DanCuContract
import Foundation
import Operations
import Testing

@testable import Gateway

/// Which outcomes get an audit record, and what it says.
@Suite struct AuditTrailTests {
    private static let completedAt = Date(timeIntervalSince1970: 1_795_000_000)
    private let trail = AuditTrail(
        topic: "dancu.audit",
        hasher: AuditHasher(secret: Secret(String(repeating: "k", count: 32)))
    )

    private let request = ValidatedRequest(
        requestId: "req-0002",
        portal: "phutho",
        type: .lookup,
        channel: .counter,
        citizen: .init(
            fullName: "TRẦN QUANG KHƯƠNG",
            idNumber: "017090001234",
            dateOfBirth: .full(year: 1990, month: 4, day: 20)
        ),
        legacyIdNumber: nil,
        procedureCode: "1.001612",
        releasedFields: [.fullName, .permanentAddress],
        officerId: "officer-17",
        deadline: completedAt,
        receivedAt: completedAt.addingTimeInterval(-30)
    )

    /// Issue 17, defect 5: the database was asked about this citizen, so the access is on record.
    @Test func expiredOrUnavailableAfterDatabaseCallsIsAuditedWithItsAttempts() throws {
        for outcome in [
            request.expired(attempts: 2, completedAt: Self.completedAt),
            request.unavailable(attempts: 3, completedAt: Self.completedAt),
        ] {
            let record = try #require(trail.record(for: request, outcome: outcome))
            #expect(record.topic == "dancu.audit")
            let audit = try JSONDecoder().decode(AuditRecord.self, from: Data(record.value ?? []))
            #expect(audit.requestId == request.requestId && audit.portal == "phutho")
            #expect(audit.status == outcome.status && audit.source == .gateway)
            #expect(audit.attempts == outcome.attempts)
            #expect(audit.fieldsReleased.isEmpty)
            let text = String(decoding: record.value ?? [], as: UTF8.self)
            for personal in ["017090001234", "TRẦN", "KHƯƠNG", "1990"] {
                #expect(!text.contains(personal), "\(personal) in \(text)")
            }
        }
    }

    @Test func outcomesTheGatewayDecidedWithoutCallingAreNotAudited() {
        #expect(trail.record(for: request, outcome: request.expired(attempts: 0, completedAt: Self.completedAt)) == nil)
        #expect(
            trail.record(for: request, outcome: request.unavailable(attempts: 0, completedAt: Self.completedAt)) == nil
        )
    }

    @Test func answersOfTheDatabaseOrItsCacheAreAudited() throws {
        for source in [OutcomeSource.populationDb, .cache] {
            let outcome = request.notFound(
                source: source,
                attempts: source == .cache ? 0 : 1,
                completedAt: Self.completedAt
            )
            let record = try #require(trail.record(for: request, outcome: outcome))
            let audit = try JSONDecoder().decode(AuditRecord.self, from: Data(record.value ?? []))
            #expect(audit.source == source && audit.attempts == outcome.attempts)
        }
    }
}
