import DanCuConfig
import DanCuContract
import Foundation
import Testing

@testable import Operations

@Suite("Audit record")
struct AuditRecordTests {
    private static let secret = Secret(String(repeating: "k", count: 32))
    private static let completedAt = Date(timeIntervalSince1970: 1_795_000_000.5)

    private func request(type: RequestType, legacyIdNumber: String? = nil) -> ValidatedRequest {
        ValidatedRequest(
            requestId: "req-0001",
            portal: "hoa-binh",
            type: type,
            channel: .counter,
            citizen: .init(
                fullName: "TRẦN QUANG KHƯƠNG",
                idNumber: "017090001234",
                dateOfBirth: .full(year: 1990, month: 4, day: 20)
            ),
            legacyIdNumber: legacyIdNumber,
            procedureCode: "1.001612",
            releasedFields: type == .verify ? [] : [.fullName, .gender, .permanentAddress],
            officerId: "officer-17",
            deadline: Self.completedAt.addingTimeInterval(30),
            receivedAt: Self.completedAt.addingTimeInterval(-1)
        )
    }

    private func outcome(_ request: ValidatedRequest, status: OutcomeStatus, citizen: ReleasedCitizen?) -> Outcome {
        Outcome(
            requestId: request.requestId,
            portal: request.portal,
            type: request.type,
            status: status,
            message: "",
            citizen: citizen,
            source: .populationDb,
            attempts: 1,
            receivedAt: request.receivedAt,
            completedAt: Self.completedAt
        )
    }

    @Test("HMAC-SHA256 agrees with RFC 4231 test case 2")
    func knownVector() {
        let hasher = AuditHasher(secret: Secret("Jefe"))
        // Twice with something between: each HMAC starts from the keyed state, not from the last one.
        for _ in 0..<2 {
            #expect(
                hasher.hmac("what do ya want for nothing?")
                    == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
            )
            _ = hasher.hmac("something else")
        }
    }

    @Test("the same secret gives the same HMAC; another secret or no secret gives another")
    func keyed() {
        let number = "017090001234"
        let configured = AuditHasher(secret: Self.secret).hmac(number)
        #expect(configured == AuditHasher(secret: Self.secret).hmac(number))
        #expect(configured != AuditHasher(secret: Secret(String(repeating: "x", count: 32))).hmac(number))
        #expect(configured != AuditHasher(secret: nil).hmac(number))
        #expect(AuditHasher(secret: nil).hmac(number) != AuditHasher(secret: nil).hmac(number))
        #expect(configured.count == 64 && configured.allSatisfy(\.isHexDigit))
    }

    @Test("a lookup records who asked, for which procedure, what was released, and no personal data")
    func lookup() throws {
        let request = request(type: .lookup)
        let released = ReleasedCitizen(values: [
            .fullName: .text("TRẦN QUANG KHƯƠNG"), .gender: .text("Nam"), .permanentAddress: .missing,
        ])
        let hasher = AuditHasher(secret: Self.secret)
        let record = AuditRecord(
            request: request,
            outcome: outcome(request, status: .found, citizen: released),
            hasher: hasher
        )

        #expect(record.portal == "hoa-binh" && record.key == "hoa-binh")
        #expect(record.officerId == "officer-17")
        #expect(record.procedureCode == "1.001612")
        #expect(record.fieldsReleased == [.fullName, .gender, .permanentAddress])
        #expect(record.idNumberHMAC == hasher.hmac("017090001234"))
        #expect(record.legacyIdNumberHMAC == nil)
        #expect(record.status == .found && record.source == .populationDb && record.attempts == 1)

        let text = String(decoding: record.jsonBytes(), as: UTF8.self)
        for personal in ["017090001234", "TRẦN", "KHƯƠNG", "1990", "20/04"] {
            #expect(!text.contains(personal), "\(personal) in \(text)")
        }
        #expect(text.contains("\"time\":\"2026-11-18T11:06:40.500Z\""))
        #expect(try JSONDecoder().decode(AuditRecord.self, from: Data(record.jsonBytes())) == record)
    }

    @Test("a verify releases no field; a link records the CMND's HMAC too")
    func verifyAndLink() {
        let hasher = AuditHasher(secret: Self.secret)
        let verify = request(type: .verify)
        let verifyRecord = AuditRecord(
            request: verify,
            outcome: outcome(verify, status: .verified, citizen: nil),
            hasher: hasher
        )
        #expect(verifyRecord.fieldsReleased.isEmpty)

        let link = request(type: .link, legacyIdNumber: "212345678")
        let linkRecord = AuditRecord(
            request: link,
            outcome: outcome(link, status: .notFound, citizen: nil),
            hasher: hasher
        )
        #expect(linkRecord.legacyIdNumberHMAC == hasher.hmac("212345678"))
        #expect(!String(decoding: linkRecord.jsonBytes(), as: UTF8.self).contains("212345678"))
    }

    @Test("audit records are the bytes JSONEncoder writes, with and without the optional members")
    func directBytesMatchTheEncoder() {
        let hasher = AuditHasher(secret: Self.secret)
        for type in RequestType.allCases {
            for legacy in [nil, "212345678"] {
                var request = request(type: type, legacyIdNumber: legacy)
                for officer in [nil, #"officer "17" \ a/b"#] {
                    request.officerId = officer
                    request.procedureCode = officer.map { _ in "1.001612" }
                    let citizen = ReleasedCitizen(values: [.fullName: .text("x"), .gender: .missing])
                    let record = AuditRecord(
                        request: request,
                        outcome: outcome(request, status: .found, citizen: citizen),
                        hasher: hasher
                    )
                    #expect(record.jsonBytes() == ContractJSON.encode(record))
                }
            }
        }
    }
}
