import Foundation
import Testing

@testable import DanCuContract

@Suite struct DecideTests {
    let rules: ContractRules

    init() throws {
        rules = try Fixture.rules()
    }

    private func decide(_ value: [UInt8], topic: String = Fixture.angiang) -> RequestDecision {
        rules.decide(topic: topic, value: value, receivedAt: Fixture.receivedAt)
    }

    // MARK: - Dead letters

    @Test func unconfiguredPortalTopicIsADeadLetter() {
        let reason = decide(Fixture.json(Fixture.verify), topic: "dancu.requests.hanoi").deadLetterReason
        #expect(reason?.codeName == "unknown_portal")
        #expect(reason?.isConfigurationProblem == true)
    }

    @Test(arguments: [
        (Array("not json".utf8), "not_json"),
        (Array("[1, 2]".utf8), "not_json"),
        (Array("\"verify\"".utf8), "not_json"),
        (Array(#"{"requestId":"r1"} {}"#.utf8), "not_json"),
        (Array(#"{"requestId":"r1","fields":[[[}"#.utf8), "not_json"),
        ([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D], "not_utf8"),
        (Array(#"{"type":"verify"}"#.utf8), "no_request_id"),
        (Array(#"{"requestId":42,"type":"verify"}"#.utf8), "no_request_id"),
        (Array(#"{"requestId":"","type":"verify"}"#.utf8), "no_request_id"),
        (Array(#"{"requestId":"a b","type":"verify"}"#.utf8), "no_request_id"),
        (Array(#"{"requestId":"yêu-cầu","type":"verify"}"#.utf8), "no_request_id"),
        (Fixture.json(Fixture.verify, ["requestId": String(repeating: "x", count: 129)]), "no_request_id"),
    ])
    func unanswerableMessagesAreDeadLetters(value: [UInt8], code: String) {
        #expect(decide(value).deadLetterReason?.codeName == code)
    }

    @Test func deepNestingIsRefusedBeforeItIsRead() {
        let depth = JSONParser.maximumDepth + 1
        let nested = Array(repeating: "[", count: depth).joined() + Array(repeating: "]", count: depth).joined()
        let reason = decide(Array(#"{"requestId":"r1","fields":\#(nested)}"#.utf8)).deadLetterReason
        #expect(reason?.headerValue == "not_json: message nests JSON more than 64 levels deep")
    }

    @Test func keysGivenTwiceAreReportedAndTheFirstIsRead() throws {
        let value = #"""
            {"requestId":"r1","type":"verify","portal":"angiang","portal":"haiphong",
             "citizen":{"fullName":"Trần Quang Khương","idNumber":"089090001234","idNumber":"089090001235","idNumber":"1",
                        "dateOfBirth":"20/04/1990"}}
            """#
        let outcome = try #require(decide(Array(value.utf8)).outcome)
        #expect(outcome.status == .invalidRequest)
        #expect(outcome.requestId == "r1")
        #expect(outcome.errorCodes == ["portal:repeated_key", "citizen.idNumber:repeated_key"])
    }

    @Test func messagesOverTheLimitAreDeadLettersUnread() throws {
        let padding = String(repeating: "x", count: 65_536)
        let reason = decide(Fixture.json(Fixture.verify, ["officerId": padding])).deadLetterReason
        #expect(reason?.codeName == "too_large")
        #expect(reason?.headerValue == "too_large: message (key, headers and value) is larger than 65536 bytes")
    }

    /// 5,000 unknown keys: 20 problems listed, then one entry saying there are more; the outcome stays small.
    @Test func errorListsStopAtTwentyThenSayThereAreMore() throws {
        let unknown = Dictionary(uniqueKeysWithValues: (0..<5_000).map { ("k\($0)", 1 as Any) })
        let outcome = try #require(decide(Fixture.json(Fixture.verify, unknown)).outcome)
        #expect(outcome.status == .invalidRequest)
        #expect(outcome.errors.count == 21)
        #expect(outcome.errors.prefix(20).allSatisfy { $0.code == .unknownKey })
        let summary = try #require(outcome.errors.last)
        #expect(summary.code.rawValue == "more_problems")
        #expect(summary.message.hasPrefix("Còn lỗi khác chưa được liệt kê"))
        #expect(!summary.message.contains { $0.isNumber }, "the count is left out")
        #expect(outcome.jsonBytes().count < 4_096)
    }

    /// The problems that decide `forbidden` are listed even when many others come before them.
    @Test func aCutListKeepsTheProblemsThatMakeARequestForbidden() throws {
        let unknown = Dictionary(uniqueKeysWithValues: (0..<50).map { ("k\($0)", 1 as Any) })
        let outcome = try #require(
            decide(Fixture.json(Fixture.verify, unknown.merging(["portal": "phutho"]) { $1 })).outcome
        )
        #expect(outcome.status == .forbidden)
        #expect(outcome.errors.count == 21)
        #expect(outcome.errors.first?.code == .portalMismatch)
    }

    /// One letter and 30,000 combining marks is one character and 60 KB: refused as too long, in bytes.
    @Test func textIsLimitedInBytesAsWellAsCharacters() throws {
        let marks = "A" + String(repeating: "\u{0301}", count: 30_000)
        #expect(marks.count == 1 && marks.utf8.count > 60_000)
        let name = try #require(decide(Fixture.json(Fixture.verify, citizen: ["fullName": marks])).outcome)
        #expect(name.status == .invalidRequest)
        #expect(name.errorCodes == ["citizen.fullName:too_long"])
        #expect(name.errors.first?.message.contains("byte") == true)

        let officer = "B" + String(repeating: "\u{0300}", count: 600)
        let refused = try #require(decide(Fixture.json(Fixture.verify, ["officerId": officer])).outcome)
        #expect(refused.errorCodes == ["officerId:too_long"])
        // A long Vietnamese name within 100 characters still passes.
        let long = Array(repeating: "NGUYỄN", count: 14).joined(separator: " ")
        #expect(decide(Fixture.json(Fixture.verify, citizen: ["fullName": long])).request != nil)
    }

    /// A message's key and headers are held in memory with its value: a 60 KB key with a small request is
    /// as large as a 60 KB request.
    @Test func keyAndHeadersCountTowardTheLimitWithTheValue() throws {
        let value = Fixture.json(Fixture.verify)
        let spare = 65_536 - value.count
        let atLimit = rules.decide(
            topic: Fixture.angiang,
            value: value,
            keyAndHeadersBytes: spare,
            receivedAt: Fixture.receivedAt
        )
        #expect(atLimit.deadLetterReason == nil)
        let overLimit = rules.decide(
            topic: Fixture.angiang,
            value: value,
            keyAndHeadersBytes: spare + 1,
            receivedAt: Fixture.receivedAt
        )
        #expect(overLimit.deadLetterReason?.codeName == "too_large")
        let hugeKey = rules.decide(
            topic: Fixture.angiang,
            value: value,
            keyAndHeadersBytes: Int.max,
            receivedAt: Fixture.receivedAt
        )
        #expect(hugeKey.deadLetterReason?.codeName == "too_large")
    }

    @Test func deadLetterHeadersNameTheSource() {
        let headers = DeadLetterHeader.values(
            reason: .notJSON,
            sourceTopic: Fixture.angiang,
            partition: 3,
            offset: 42
        )
        let decoded = headers.map { "\($0.key)=\(String(decoding: $0.value, as: UTF8.self))" }
        #expect(
            decoded == [
                "dancu-error=not_json: message is not a JSON object", "dancu-source-topic=dancu.requests.angiang",
                "dancu-source-partition=3", "dancu-source-offset=42",
            ]
        )
    }

    @Test(arguments: ["a", "A-Z.a_z:0-9", String(repeating: "7", count: 128)])
    func usableRequestIds(requestId: String) {
        #expect(decide(Fixture.json(Fixture.verify, ["requestId": requestId])).request?.requestId == requestId)
    }

    // MARK: - Valid requests

    @Test func validVerifyIsNormalisedAndQueried() throws {
        let value = Fixture.json(
            Fixture.verify,
            citizen: ["fullName": " tra\u{0302}\u{0300}n  quang khương ", "dateOfBirth": "1990-04-20"]
        )
        let request = try #require(decide(value).request)
        #expect(request.portal == "angiang")
        #expect(request.type == .verify)
        #expect(request.channel == .online)
        #expect(
            request.citizen
                == .init(
                    fullName: "TRẦN QUANG KHƯƠNG",
                    idNumber: "089090001234",
                    dateOfBirth: .full(year: 1990, month: 4, day: 20)
                )
        )
        #expect(request.releasedFields.isEmpty)
        #expect(request.deadline == Fixture.receivedAt.addingTimeInterval(60))
    }

    @Test(arguments: [("counter", 30.0), ("online", 60), ("batch", 86_400)])
    func defaultDeadlineFollowsTheChannel(channel: String, seconds: Double) throws {
        let request = try #require(decide(Fixture.json(Fixture.verify, ["channel": channel])).request)
        #expect(request.deadline == Fixture.receivedAt.addingTimeInterval(seconds))
    }

    @Test func explicitDeadlineAndAuditFieldsAreKept() throws {
        let value = Fixture.json(
            Fixture.verify,
            [
                "portal": "angiang", "channel": "counter", "officerId": "cb.longxuyen.07",
                "requestedAt": "2024-05-20T08:29:59+07:00", "deadline": "2024-05-20T08:30:20+07:00",
            ]
        )
        let request = try #require(decide(value).request)
        #expect(request.officerId == "cb.longxuyen.07")
        #expect(request.requestedAt == Fixture.receivedAt.addingTimeInterval(-1))
        #expect(request.deadline == Fixture.receivedAt.addingTimeInterval(20))
    }

    @Test func lookupReleasesTheProcedureFieldsByDefault() throws {
        let request = try #require(decide(Fixture.json(Fixture.lookup)).request)
        #expect(request.procedureCode == "1.001193")
        #expect(request.releasedFields == [.fullName, .idNumber, .ethnicity, .dateOfBirth, .permanentAddress])
    }

    @Test func lookupReleasesExactlyTheRequestedAllowedFieldsInRecordOrder() throws {
        let value = Fixture.json(Fixture.lookup, ["fields": ["permanentAddress", "fullName", "fullName"]])
        let request = try #require(decide(value).request)
        #expect(request.releasedFields == [.fullName, .permanentAddress])
    }

    @Test func unlistedProcedureFallsBackToTheDefaultEntry() throws {
        let request = try #require(decide(Fixture.json(Fixture.lookup, ["procedureCode": "2.002165"])).request)
        #expect(request.releasedFields == [.fullName, .idNumber, .dateOfBirth])
    }

    @Test func linkReleasesTheAccountFields() throws {
        let request = try #require(decide(Fixture.json(Fixture.link)).request)
        #expect(request.legacyIdNumber == "351234567")
        #expect(request.releasedFields == [.fullName, .idNumber, .legacyIdNumber, .dateOfBirth])
    }

    // MARK: - Rejections: one table, one row per rule

    @Test(arguments: [
        // Portal identity and permissions.
        (Fixture.json(Fixture.verify, ["portal": "haiphong"]), "forbidden", ["portal:portal_mismatch"]),
        (Fixture.json(Fixture.verify, ["portal": 7]), "invalid_request", ["portal:wrong_type"]),
        (Fixture.json(Fixture.lookup, ["procedureCode": "2.002165"]), "query", []),
        // Type and channel.
        (Fixture.json(Fixture.verify, removing: ["type"]), "invalid_request", ["type:missing"]),
        (Fixture.json(Fixture.verify, ["type": "VERIFY"]), "invalid_request", ["type:unknown_value"]),
        (Fixture.json(Fixture.verify, ["channel": "phone"]), "invalid_request", ["channel:unknown_value"]),
        // Unknown keys are typos, not extensions.
        (Fixture.json(Fixture.verify, ["procedurecode": "1.001193"]), "invalid_request", ["procedurecode:unknown_key"]),
        (
            Fixture.json(Fixture.verify, citizen: ["phone": "0900000000"]), "invalid_request",
            ["citizen.phone:unknown_key"]
        ),
        // Citizen.
        (Fixture.json(Fixture.verify, removing: ["citizen"]), "invalid_request", ["citizen:missing"]),
        (Fixture.json(Fixture.verify, ["citizen": "Trần"]), "invalid_request", ["citizen:wrong_type"]),
        (Fixture.json(Fixture.verify, citizen: ["fullName": nil]), "invalid_request", ["citizen.fullName:missing"]),
        (
            Fixture.json(Fixture.verify, citizen: ["fullName": "Trần 3"]), "invalid_request",
            ["citizen.fullName:invalid_characters"]
        ),
        (
            Fixture.json(Fixture.verify, citizen: ["idNumber": "0890900012"]), "invalid_request",
            ["citizen.idNumber:invalid_format"]
        ),
        (
            Fixture.json(Fixture.verify, citizen: ["idNumber": "003090001234"]), "invalid_request",
            ["citizen.idNumber:unknown_province_code"]
        ),
        (
            Fixture.json(Fixture.verify, citizen: ["dateOfBirth": "29/02/2001"]), "invalid_request",
            ["citizen.dateOfBirth:invalid_date"]
        ),
        (
            Fixture.json(
                Fixture.verify,
                ["citizen": ["fullName": "A", "idNumber": 89090001234, "dateOfBirth": 1990] as [String: Any]]
            ), "invalid_request", ["citizen.idNumber:wrong_type", "citizen.dateOfBirth:wrong_type"]
        ),
        // Lookup and minimisation.
        (Fixture.json(Fixture.lookup, removing: ["procedureCode"]), "invalid_request", ["procedureCode:missing"]),
        (
            Fixture.json(Fixture.lookup, ["procedureCode": "1 001193"]), "invalid_request",
            ["procedureCode:invalid_format"]
        ),
        (
            Fixture.json(Fixture.lookup, ["fields": ["fullName", "religion", "bloodType"]]), "forbidden",
            ["fields[1]:field_not_allowed", "fields[2]:field_not_allowed"]
        ),
        (
            Fixture.json(Fixture.lookup, ["fields": ["fullName", "email"]]), "invalid_request",
            ["fields[1]:unknown_value"]
        ),
        (Fixture.json(Fixture.lookup, ["fields": []]), "invalid_request", ["fields:empty"]),
        (Fixture.json(Fixture.lookup, ["fields": "fullName"]), "invalid_request", ["fields:wrong_type"]),
        (Fixture.json(Fixture.link, ["fields": ["fullName"]]), "invalid_request", ["fields:not_applicable"]),
        // Link.
        (Fixture.json(Fixture.link, removing: ["legacyIdNumber"]), "invalid_request", ["legacyIdNumber:missing"]),
        (
            Fixture.json(Fixture.link, ["legacyIdNumber": "089090001234"]), "invalid_request",
            ["legacyIdNumber:invalid_format"]
        ),
        (
            Fixture.json(Fixture.link, citizen: ["idNumber": "351234567"]), "invalid_request",
            ["citizen.idNumber:invalid_format"]
        ),
        (
            Fixture.json(Fixture.verify, ["legacyIdNumber": "351234567"]), "invalid_request",
            ["legacyIdNumber:not_applicable"]
        ),
        // Audit fields and deadlines.
        (Fixture.json(Fixture.verify, ["officerId": ""]), "invalid_request", ["officerId:invalid_format"]),
        (
            Fixture.json(Fixture.verify, ["requestedAt": "20/05/2024 08:30"]), "invalid_request",
            ["requestedAt:invalid_format"]
        ),
        (
            Fixture.json(Fixture.verify, ["deadline": "2024-05-20T08:30:00+07:00"]), "expired",
            ["deadline:deadline_passed"]
        ),
        // CCCD digits contradicting the date of birth: no citizen can match.
        (
            Fixture.json(Fixture.verify, citizen: ["dateOfBirth": "20/04/1991"]), "not_verified",
            ["citizen.idNumber:id_number_year_mismatch"]
        ),
        (
            Fixture.json(Fixture.verify, citizen: ["idNumber": "089290001234", "dateOfBirth": "1990"]), "not_verified",
            ["citizen.idNumber:id_number_century_mismatch"]
        ),
        (
            Fixture.json(Fixture.lookup, citizen: ["dateOfBirth": "1991"]), "not_found",
            ["citizen.idNumber:id_number_year_mismatch"]
        ),
        (
            Fixture.json(Fixture.link, citizen: ["idNumber": "089190001234", "dateOfBirth": "2090"]), "invalid_request",
            ["citizen.dateOfBirth:date_in_future"]
        ),
        // A CMND carries no birth year: nothing to contradict.
        (Fixture.json(Fixture.verify, citizen: ["idNumber": "351234567", "dateOfBirth": "1991"]), "query", []),
    ])
    func rule(value: [UInt8], status: String, errors: [String]) {
        let decision = decide(value)
        guard let outcome = decision.outcome else {
            #expect(status == "query", "expected \(status), got \(decision)")
            return
        }
        #expect(outcome.status.rawValue == status)
        #expect(outcome.errorCodes == errors)
        #expect(outcome.source == .gateway)
        #expect(outcome.attempts == 0)
        #expect(outcome.citizen == nil)
        #expect(outcome.requestId.hasPrefix("ag-"))
    }

    @Test func portalNotAllowedTheTypeIsForbidden() throws {
        let outcome = try #require(decide(Fixture.json(Fixture.lookup), topic: "dancu.requests.phutho").outcome)
        #expect(outcome.status == .forbidden)
        #expect(outcome.portal == "phutho")
        #expect(outcome.errorCodes == ["type:type_not_allowed"])
        #expect(outcome.message == ResultText.forbidden)
    }

    @Test func procedureNotConfiguredIsForbiddenOnceTheDefaultIsRemoved() throws {
        let strict = try Fixture.rules(procedures: [Fixture.birthRegistration])
        let value = Fixture.json(Fixture.lookup, ["procedureCode": "2.002165"])
        let outcome = try #require(
            strict.decide(topic: Fixture.angiang, value: value, receivedAt: Fixture.receivedAt).outcome
        )
        #expect(outcome.status == .forbidden)
        #expect(outcome.errorCodes == ["procedureCode:procedure_not_configured"])
    }

    /// Elsewhere than in the clean-up, a lookup by CMND gets every allowed field but the CCCD, and asking
    /// for it is refused.
    @Test func lookupByCMNDLearnsTheCCCDOnlyInTheCleanUp() throws {
        let rules = try Fixture.rules(
            procedures: [Fixture.birthRegistration, Fixture.cleanup],
            settings: Fixture.cleanupSettings
        )
        func decide(_ changes: [String: Any]) -> RequestDecision {
            var citizen = Fixture.citizen
            citizen["idNumber"] = "351234567"
            let value = Fixture.json(Fixture.lookup, changes.merging(["citizen": citizen]) { $1 })
            return rules.decide(topic: Fixture.angiang, value: value, receivedAt: Fixture.receivedAt)
        }
        #expect(decide([:]).request?.releasedFields == [.fullName, .ethnicity, .dateOfBirth, .permanentAddress])
        let refused = try #require(decide(["fields": ["fullName", "idNumber"]]).outcome)
        #expect(refused.status == .forbidden)
        #expect(refused.errorCodes == ["fields[1]:field_not_allowed"])
        #expect(
            decide(["procedureCode": Fixture.cleanup.code]).request?.releasedFields == [.idNumber, .legacyIdNumber]
        )
    }

    @Test(arguments: [
        (
            Fixture.cleanup.code, [Fixture.birthRegistration],
            "contract.cmndCleanupProcedure: 'VNEID-LAMSACH' is not a configured procedure"
        ),
        (
            Fixture.birthRegistration.code, [Fixture.fallback],
            "contract.cmndCleanupProcedure: '1.001193' is not a configured procedure"
        ),
        (
            "1.000656", [ProcedureConfiguration(code: "1.000656", name: "Đăng ký khai tử", fields: [.fullName])],
            "contract.cmndCleanupProcedure: procedure 1.000656 must allow idNumber"
        ),
    ])
    func cleanUpProcedureMustBeConfiguredAndReleaseTheCCCD(
        code: String,
        procedures: [ProcedureConfiguration],
        problem: String
    ) {
        let settings = ContractSettings(names: NameSettings(), cmndCleanupProcedure: code)
        let error = #expect(throws: ContractConfigurationError.self) {
            try Fixture.rules(procedures: procedures, settings: settings)
        }
        #expect(error?.problems == [problem])
    }

    /// A link needs the two numbers alone, and will release only what it carried.
    @Test func linkNeedsOnlyTheTwoNumbers() throws {
        let byNumbers = try #require(
            decide(Fixture.json(Fixture.link, citizen: ["fullName": nil, "dateOfBirth": nil])).request
        )
        #expect(byNumbers.citizen.fullName == nil && byNumbers.citizen.dateOfBirth == nil)
        #expect(byNumbers.releasedFields == [.idNumber, .legacyIdNumber] && !byNumbers.needsRecord)
        let withName = try #require(decide(Fixture.json(Fixture.link, citizen: ["dateOfBirth": nil])).request)
        #expect(withName.releasedFields == [.fullName, .idNumber, .legacyIdNumber])
        let verify = try #require(decide(Fixture.json(Fixture.verify, citizen: ["fullName": nil])).outcome)
        #expect(verify.errorCodes == ["citizen.fullName:missing"], "verify and lookup still need the whole identity")
    }

    /// A verify may fill the form: the fields it names, under its procedure's limits, as a lookup would get.
    /// Without fields it stays a yes or no, needing no record.
    @Test func verifyFillsOnlyTheFieldsItNames() throws {
        let plain = try #require(decide(Fixture.json(Fixture.verify, ["procedureCode": "1.001193"])).request)
        #expect(plain.releasedFields.isEmpty && !plain.needsRecord)
        let filling = try #require(
            decide(Fixture.json(Fixture.verify, ["procedureCode": "1.001193", "fields": ["fullName", "ethnicity"]]))
                .request
        )
        #expect(filling.releasedFields == [.fullName, .ethnicity] && filling.needsRecord)
        let withoutProcedure = try #require(decide(Fixture.json(Fixture.verify, ["fields": ["fullName"]])).outcome)
        #expect(withoutProcedure.errorCodes == ["procedureCode:missing"])
        let overreaching = try #require(
            decide(Fixture.json(Fixture.verify, ["procedureCode": "1.001193", "fields": ["religion"]])).outcome
        )
        #expect(overreaching.status == .forbidden)
        #expect(overreaching.errorCodes == ["fields[0]:field_not_allowed"])
    }

    @Test func everyProblemIsReportedAtOnce() throws {
        let value = Array(
            """
            {"requestId": "hd-77", "portal": "haiphong", "type": "lookup", "channel": "fax",
             "procedureCode": "1.001193", "fields": ["fullName", "religion", "shoeSize"],
             "citizen": {"fullName": "Nguyễn Văn 3", "idNumber": "12345", "dateOfBirth": "29/02/2001"},
             "deadline": "tomorrow", "colour": "blue"}
            """.utf8
        )
        let outcome = try #require(decide(value).outcome)
        #expect(outcome.status == .forbidden)
        #expect(
            outcome.errorCodes == [
                "colour:unknown_key", "portal:portal_mismatch", "channel:unknown_value",
                "citizen.fullName:invalid_characters", "citizen.idNumber:invalid_format",
                "citizen.dateOfBirth:invalid_date", "fields[1]:field_not_allowed", "fields[2]:unknown_value",
                "deadline:invalid_format",
            ]
        )
        #expect(outcome.type == .lookup)
        #expect(outcome.requestId == "hd-77")
        #expect(outcome.portal == "angiang", "the outcome goes to the topic's portal, never the claimed one")
    }

    @Test func invalidRequestTextCountsTheProblems() throws {
        let value = Fixture.json(Fixture.verify, ["channel": "fax", "type": "check"])
        let outcome = try #require(decide(value).outcome)
        #expect(outcome.status == .invalidRequest)
        #expect(outcome.type == nil)
        #expect(outcome.message == ResultText.invalidRequest(problemCount: 2))
        #expect(outcome.message.contains("có 2 lỗi"))
    }

    @Test func contradictionAnswersWithTheProvincesFailureText() throws {
        let value = Fixture.json(Fixture.verify, citizen: ["dateOfBirth": "20/04/1991"])
        let outcome = try #require(decide(value).outcome)
        #expect(
            outcome.message
                == "[CSDLQGDC] Xác thực với CSDLQG về Dân cư thất bại. Không tìm thấy thông tin Công dân với TRẦN QUANG KHƯƠNG, 089090001234, 20/04/1991."
        )
        #expect(outcome.completedAt == Fixture.receivedAt)
    }

    @Test func validateByPortalIdMatchesDecideByTopic() {
        let value = Fixture.json(Fixture.lookup)
        #expect(
            rules.decide(portalId: "angiang", value: value, receivedAt: Fixture.receivedAt)
                == rules.decide(topic: Fixture.angiang, value: value, receivedAt: Fixture.receivedAt)
        )
        #expect(
            rules.decide(portalId: "hanoi", value: value, receivedAt: Fixture.receivedAt).deadLetterReason?.codeName
                == "unknown_portal"
        )
    }
}
