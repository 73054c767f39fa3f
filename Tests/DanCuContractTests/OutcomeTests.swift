import Foundation
import Testing

@testable import DanCuContract

@Suite struct OutcomeBuilderTests {
    static let completedAt = Fixture.receivedAt.addingTimeInterval(0.35)

    static let record = CitizenRecord(
        fullName: "TRẦN QUANG KHƯƠNG",
        idNumber: "089090001234",
        legacyIdNumber: "351234567",
        gender: .male,
        ethnicity: "Kinh",
        religion: nil,
        maritalStatus: "Đã kết hôn",
        bloodType: "O",
        dateOfBirth: .full(year: 1990, month: 4, day: 20),
        nationality: "Việt Nam",
        permanentAddress: Address(provinceCode: "89", detail: "PHƯỜNG MỸ BÌNH, THÀNH PHỐ LONG XUYÊN, AN GIANG")
    )

    let rules: ContractRules

    init() throws {
        rules = try Fixture.rules()
    }

    private func request(_ object: [String: Any]) throws -> ValidatedRequest {
        try #require(
            rules.decide(topic: Fixture.angiang, value: Fixture.json(object), receivedAt: Fixture.receivedAt).request
        )
    }

    @Test func verifyTextsAreTheProvincesOwn() throws {
        let request = try request(Fixture.verify)
        let success = request.verified(matched: true, source: .populationDb, attempts: 1, completedAt: Self.completedAt)
        #expect(success.status == .verified)
        #expect(
            success.message
                == "[CSDLQGDC] Xác thực với CSDLQG về Dân cư thành công. Tìm thấy thông tin Công dân với TRẦN QUANG KHƯƠNG, 089090001234, 20/04/1990"
        )
        #expect(success.citizen == nil, "verify never releases citizen data")
        let failure = request.verified(matched: false, source: .cache, attempts: 0, completedAt: Self.completedAt)
        #expect(failure.status == .notVerified)
        #expect(failure.source == .cache)
        #expect(
            failure.message
                == "[CSDLQGDC] Xác thực với CSDLQG về Dân cư thất bại. Không tìm thấy thông tin Công dân với TRẦN QUANG KHƯƠNG, 089090001234, 20/04/1990."
        )
    }

    @Test func yearOnlyDatesAreWrittenBackAsTheYear() throws {
        let request = try request(try dictionary(Fixture.json(Fixture.verify, citizen: ["dateOfBirth": "1990"])))
        let outcome = request.verified(matched: true, source: .populationDb, attempts: 1, completedAt: Self.completedAt)
        #expect(outcome.message.hasSuffix("TRẦN QUANG KHƯƠNG, 089090001234, 1990"))
    }

    @Test func foundForVerifyIsVerifiedWithoutData() throws {
        let outcome = try request(Fixture.verify).found(
            Self.record,
            source: .populationDb,
            attempts: 1,
            completedAt: Self.completedAt
        )
        #expect(outcome.status == .verified)
        #expect(outcome.citizen == nil)
    }

    @Test func lookupReleasesOnlyTheAllowedFieldsWithNullForMissingValues() throws {
        let request = try request(Fixture.lookup.merging(["procedureCode": "2.000000"]) { $1 })
        let outcome = request.found(Self.record, source: .populationDb, attempts: 2, completedAt: Self.completedAt)
        #expect(outcome.status == .found)
        #expect(outcome.attempts == 2)
        let citizen = try #require(outcome.citizen)
        #expect(Set(citizen.values.keys) == [.fullName, .idNumber, .dateOfBirth])
        #expect(citizen[.dateOfBirth] == .text("20/04/1990"))
        #expect(citizen[.religion] == nil)

        let withMissing = try self.request(Fixture.lookup.merging(["fields": ["fullName", "ethnicity"]]) { $1 })
        var recordWithoutEthnicity = Self.record
        recordWithoutEthnicity.ethnicity = nil
        let json = String(
            decoding: withMissing.found(
                recordWithoutEthnicity,
                source: .cache,
                attempts: 0,
                completedAt: Self.completedAt
            )
            .jsonBytes(),
            as: UTF8.self
        )
        #expect(json.contains(#""citizen":{"ethnicity":null,"fullName":"TRẦN QUANG KHƯƠNG"}"#))
    }

    @Test func lookupOfAnotherCitizensRecordIsNotFound() throws {
        var someoneElse = Self.record
        someoneElse.idNumber = "089090009999"
        someoneElse.legacyIdNumber = nil
        let outcome = try request(Fixture.lookup).found(
            someoneElse,
            source: .populationDb,
            attempts: 1,
            completedAt: Self.completedAt
        )
        #expect(outcome.status == .notFound)
        #expect(outcome.citizen == nil)
        #expect(outcome.message.hasPrefix("[CSDLQGDC] Tra cứu thông tin trong CSDLQG về Dân cư thất bại."))
    }

    /// A verify that fills the form is `verified` with the fields it named; one of another citizen's record is
    /// `not_verified`.
    @Test func verifyThatFillsReleasesItsFields() throws {
        let request = try request(
            Fixture.verify.merging(["procedureCode": "1.001193", "fields": ["fullName", "ethnicity"]]) { $1 }
        )
        let outcome = request.found(Self.record, source: .populationDb, attempts: 1, completedAt: Self.completedAt)
        #expect(outcome.status == .verified)
        #expect(outcome.citizen == ReleasedCitizen(Self.record, releasing: [.fullName, .ethnicity]))
        var someoneElse = Self.record
        someoneElse.idNumber = "089090009999"
        let other = request.found(someoneElse, source: .populationDb, attempts: 1, completedAt: Self.completedAt)
        #expect(other.status == .notVerified && other.citizen == nil)
    }

    /// Since 1 July 2025 a record's address has a commune and today's province; one not moved yet keeps its
    /// district. Each is released as the record has it, and only when the procedure allows the field.
    @Test func addressesAreReleasedInTheFormTheRecordHas() throws {
        let request = try request(Fixture.lookup.merging(["fields": ["fullName", "permanentAddress"]]) { $1 })
        var moved = Self.record
        moved.permanentAddress = Address(
            provinceCode: "89",
            wardCode: "30280",
            detail: "PHƯỜNG MỸ BÌNH, TỈNH AN GIANG",
            country: "VIỆT NAM"
        )
        moved.hometown = Address(provinceCode: "89", districtCode: "883", wardCode: "30280", detail: "AN GIANG")
        var notMoved = moved
        notMoved.permanentAddress = moved.hometown
        func json(_ record: CitizenRecord) -> String {
            String(
                decoding: request.found(record, source: .populationDb, attempts: 1, completedAt: Self.completedAt)
                    .jsonBytes(),
                as: UTF8.self
            )
        }
        #expect(
            json(moved).contains(
                #""permanentAddress":{"country":"VIỆT NAM","detail":"PHƯỜNG MỸ BÌNH, TỈNH AN GIANG","provinceCode":"89","wardCode":"30280"}"#
            )
        )
        #expect(!json(moved).contains("districtCode") && !json(moved).contains("hometown"))
        #expect(
            json(notMoved).contains(
                #""permanentAddress":{"detail":"AN GIANG","districtCode":"883","provinceCode":"89","wardCode":"30280"}"#
            )
        )
    }

    /// Only the clean-up procedure learns the CCCD of a citizen looked up by CMND.
    @Test func lookupByCMNDMatchesTheRecordsLegacyNumber() throws {
        let rules = try Fixture.rules(
            procedures: [Fixture.birthRegistration, Fixture.cleanup],
            settings: Fixture.cleanupSettings
        )
        for (procedure, cccd) in [
            (Fixture.birthRegistration.code, nil), (Fixture.cleanup.code, ReleasedCitizen.Value.text("089090001234")),
        ] {
            let value = Fixture.json(
                Fixture.lookup.merging(["procedureCode": procedure]) { $1 },
                citizen: ["idNumber": "351234567"]
            )
            let request = try #require(
                rules.decide(topic: Fixture.angiang, value: value, receivedAt: Fixture.receivedAt).request
            )
            let outcome = request.found(Self.record, source: .populationDb, attempts: 1, completedAt: Self.completedAt)
            #expect(outcome.status == .found)
            #expect(outcome.citizen?[.idNumber] == cccd, "\(procedure)")
        }
    }

    /// A link by the numbers alone answers with the numbers alone.
    @Test func linkByNumbersReleasesOnlyTheNumbers() throws {
        let request = try request(
            try dictionary(Fixture.json(Fixture.link, citizen: ["fullName": nil, "dateOfBirth": nil]))
        )
        let found = request.verified(matched: true, source: .populationDb, attempts: 1, completedAt: Self.completedAt)
        #expect(found.status == .found)
        #expect(
            found.citizen
                == ReleasedCitizen(values: [.idNumber: .text("089090001234"), .legacyIdNumber: .text("351234567")])
        )
        let notFound = request.verified(matched: false, source: .cache, attempts: 0, completedAt: Self.completedAt)
        #expect(notFound.status == .notFound && notFound.citizen == nil)
    }

    /// A link releases what the portal sent: the year it gave, not the record's full date.
    @Test func linkReleasesNothingTheRequestDidNotCarry() throws {
        let request = try request(
            try dictionary(
                Fixture.json(Fixture.link, citizen: ["dateOfBirth": "1990", "fullName": "trần quang khương"])
            )
        )
        #expect(request.citizen.dateOfBirth == .yearOnly(1990))
        let found = request.found(Self.record, source: .populationDb, attempts: 1, completedAt: Self.completedAt)
        #expect(found.citizen?[.dateOfBirth] == .text("1990"))
        #expect(found.citizen?[.fullName] == .text("TRẦN QUANG KHƯƠNG"))
        #expect(found.citizen?[.legacyIdNumber] == .text("351234567"))
        #expect(found.citizen?[.gender] == nil)
    }

    @Test func linkIsFoundOnlyWhenTheCMNDIsOnThatCCCDsRecord() throws {
        let request = try request(Fixture.link)
        let found = request.found(Self.record, source: .populationDb, attempts: 1, completedAt: Self.completedAt)
        #expect(found.status == .found)
        #expect(Set(found.citizen?.values.keys ?? [:].keys) == [.fullName, .idNumber, .legacyIdNumber, .dateOfBirth])
        #expect(
            found.message
                == "[CSDLQGDC] Liên kết số CMND với số CCCD trong CSDLQG về Dân cư thành công. Số CMND 351234567 thuộc Công dân có số CCCD 089090001234"
        )

        var otherCMND = Self.record
        otherCMND.legacyIdNumber = "351000000"
        let notFound = request.found(otherCMND, source: .populationDb, attempts: 1, completedAt: Self.completedAt)
        #expect(notFound.status == .notFound)
        #expect(notFound.citizen == nil)
        #expect(notFound.message.contains("Không tìm thấy Công dân có số CCCD 089090001234 với số CMND 351234567."))
    }

    @Test(arguments: [
        (RequestType.verify, OutcomeStatus.notVerified), (.lookup, .notFound), (.link, .notFound),
    ])
    func notFoundStatusFollowsTheType(type: RequestType, status: OutcomeStatus) throws {
        let object = [RequestType.verify: Fixture.verify, .lookup: Fixture.lookup, .link: Fixture.link][type] ?? [:]
        let outcome = try request(object).notFound(source: .populationDb, attempts: 3, completedAt: Self.completedAt)
        #expect(outcome.status == status)
        #expect(outcome.type == type)
        #expect(outcome.attempts == 3)
    }

    @Test func expiredAndUnavailableComeFromTheGateway() throws {
        let request = try request(Fixture.verify)
        let expired = request.expired(attempts: 1, completedAt: Self.completedAt)
        #expect(expired.status == .expired)
        #expect(expired.source == .gateway)
        #expect(expired.message == ResultText.expired)
        let unavailable = request.unavailable(attempts: 4, completedAt: Self.completedAt)
        #expect(unavailable.status == .unavailable)
        #expect(unavailable.attempts == 4)
        #expect(unavailable.message.hasPrefix("[CSDLQGDC] Không kết nối được với CSDLQG về Dân cư."))
    }

    @Test func outcomeJSONHasSortedKeysAndRFC3339Times() throws {
        let outcome = try request(Fixture.verify).verified(
            matched: true,
            source: .populationDb,
            attempts: 1,
            completedAt: Self.completedAt
        )
        let json = String(decoding: outcome.jsonBytes(), as: UTF8.self)
        #expect(
            json
                == #"{"attempts":1,"completedAt":"2024-05-20T01:30:00.350Z","errors":[],"message":"[CSDLQGDC] Xác thực với CSDLQG về Dân cư thành công. Tìm thấy thông tin Công dân với TRẦN QUANG KHƯƠNG, 089090001234, 20/04/1990","portal":"angiang","receivedAt":"2024-05-20T01:30:00.000Z","requestId":"ag-1","source":"population-db","status":"verified","type":"verify"}"#
        )
    }

    @Test func validatedRequestJSONIsWhatValidatePrints() throws {
        let decision = rules.decide(
            topic: Fixture.angiang,
            value: Fixture.json(Fixture.link),
            receivedAt: Fixture.receivedAt
        )
        let json = String(decoding: decision.jsonBytes(), as: UTF8.self)
        #expect(
            json.hasPrefix(
                #"{"decision":"query","request":{"channel":"online","citizen":{"dateOfBirth":"20/04/1990","fullName":"TRẦN QUANG KHƯƠNG","idNumber":"089090001234"}"#
            )
        )
        #expect(json.contains(#""releasedFields":["fullName","idNumber","legacyIdNumber","dateOfBirth"]"#))
        let deadLetter = String(decoding: RequestDecision.deadLetter(.notJSON).jsonBytes(), as: UTF8.self)
        #expect(
            deadLetter
                == #"{"decision":"deadLetter","reason":{"code":"not_json","message":"message is not a JSON object"}}"#
        )
    }

    private func dictionary(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }
}
