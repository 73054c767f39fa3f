import Foundation
import Testing

@testable import DanCuContract

/// Docs/ and the code cannot drift: every example request goes through the real rules, every
/// example outcome is what the real builders produce, and Python's jsonschema checks all of them
/// (and contract.md, asyncapi.yaml) against the published schemas.
@Suite struct DocsTests {
    static let root = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let docs = root.appending(path: "Docs")
    static let examples = docs.appending(path: "examples")
    static let completedAt = Fixture.receivedAt.addingTimeInterval(0.412)

    /// How the pipeline would finish a request that needs the population database.
    enum Finish: Sendable {
        case validationAlone
        case verified(Bool, OutcomeSource)
        case found(CitizenRecord, attempts: Int)
    }

    static let cases: [(request: String, portal: String, outcome: String, finish: Finish)] = [
        ("verify.request.json", "angiang", "verify-verified.outcome.json", .verified(true, .populationDb)),
        ("verify-year-only.request.json", "phutho", "verify-not-verified.outcome.json", .verified(false, .cache)),
        ("verify-contradiction.request.json", "angiang", "verify-contradiction.outcome.json", .validationAlone),
        ("verify-fill.request.json", "phutho", "verify-fill.outcome.json", .found(verifyFillRecord, attempts: 1)),
        ("lookup.request.json", "haiphong", "lookup-found.outcome.json", .found(lookupRecord, attempts: 1)),
        ("lookup-forbidden.request.json", "haiphong", "lookup-forbidden.outcome.json", .validationAlone),
        ("link.request.json", "angiang", "link-found.outcome.json", .verified(true, .populationDb)),
        ("bad-invalid.request.json", "angiang", "invalid-request.outcome.json", .validationAlone),
    ]

    static let lookupRecord = CitizenRecord(
        fullName: "PHẠM VĂN ĐỨC",
        idNumber: "030092000789",
        gender: .male,
        ethnicity: "Kinh",
        religion: "Không",
        dateOfBirth: .full(year: 1992, month: 11, day: 3),
        nationality: "Việt Nam",
        // Not moved to the two-level form yet: a district of the former Hải Dương.
        permanentAddress: Address(
            provinceCode: "30",
            districtCode: "288",
            wardCode: "10507",
            detail: "THÔN AN NINH, XÃ CẨM VŨ, HUYỆN CẨM GIÀNG, HẢI DƯƠNG",
            country: "VIỆT NAM"
        )
    )

    static let verifyFillRecord = CitizenRecord(
        fullName: "BÙI THỊ HÒA",
        idNumber: "017185000456",
        gender: .female,
        ethnicity: "Mường",
        maritalStatus: "Chưa kết hôn",
        dateOfBirth: .full(year: 1985, month: 3, day: 12),
        // Moved to the two-level form: a ward of today's Phú Thọ, no district; the ID keeps Hòa Bình's 017.
        permanentAddress: Address(
            provinceCode: "25",
            wardCode: "04924",
            detail: "XÓM MỚI, PHƯỜNG THỐNG NHẤT, PHÚ THỌ",
            country: "VIỆT NAM"
        )
    )

    static func shippedRules() throws -> ContractRules {
        let yaml = try String(contentsOf: root.appending(path: "Config/gateway.yaml"), encoding: .utf8)
        let sections = try ContractSections.load(yaml)
        return try ContractRules(
            portals: sections.portals,
            procedures: sections.procedures,
            policy: sections.requests,
            settings: sections.contract
        )
    }

    static func produce(_ request: String, portal: String, finish: Finish) throws -> Outcome {
        let rules = try shippedRules()
        let bytes = try Array(Data(contentsOf: examples.appending(path: request)))
        let decision = rules.decide(portalId: portal, value: bytes, receivedAt: Fixture.receivedAt)
        switch (decision, finish) {
        case (.answer(let outcome), .validationAlone):
            return outcome
        case (.query(let validated), .verified(let matched, let source)):
            return validated.verified(
                matched: matched,
                source: source,
                attempts: source == .cache ? 0 : 1,
                completedAt: completedAt
            )
        case (.query(let validated), .found(let record, let attempts)):
            return validated.found(record, source: .populationDb, attempts: attempts, completedAt: completedAt)
        default:
            throw DocsMismatch(description: "\(request) decided \(decision)")
        }
    }

    @Test(arguments: cases.map(\.outcome))
    func exampleOutcomeIsWhatTheCodeProduces(outcomeFile: String) throws {
        let testCase = try #require(Self.cases.first { $0.outcome == outcomeFile })
        let produced = try Self.produce(testCase.request, portal: testCase.portal, finish: testCase.finish)
        let file = Self.examples.appending(path: outcomeFile)
        if ProcessInfo.processInfo.environment["DANCU_REGENERATE_EXAMPLES"] == "1" {
            try Self.pretty(produced.jsonBytes()).write(to: file)
        }
        let documented = try JSONDecoder().decode(Outcome.self, from: Data(contentsOf: file))
        #expect(documented == produced, "regenerate with DANCU_REGENERATE_EXAMPLES=1 after an intended change")
    }

    @Test func everyJSONBlockInContractMarkdownDecodes() throws {
        let markdown = try String(contentsOf: Self.docs.appending(path: "contract.md"), encoding: .utf8)
        let rules = try Self.shippedRules()
        let marker = "<!-- example: "
        // Each block follows its marker: `<!-- example: NAME -->` newline ```json newline … ```.
        let blocks = markdown.components(separatedBy: marker).dropFirst().map { chunk in
            let name = chunk.components(separatedBy: " -->").first ?? ""
            let body = chunk.components(separatedBy: "```json\n").dropFirst().first?.components(separatedBy: "```")
                .first
            return (name: name, json: body ?? "")
        }
        #expect(blocks.count == Self.cases.count * 2)
        for block in blocks {
            let data = Data(block.json.utf8)
            if let testCase = Self.cases.first(where: { $0.request == block.name }) {
                let decision = rules.decide(
                    portalId: testCase.portal,
                    value: Array(data),
                    receivedAt: Fixture.receivedAt
                )
                #expect(decision.deadLetterReason == nil, "\(block.name)")
            } else {
                let documented = try JSONDecoder().decode(Outcome.self, from: data)
                let file = try JSONDecoder().decode(
                    Outcome.self,
                    from: Data(contentsOf: Self.examples.appending(path: block.name))
                )
                #expect(documented == file, "\(block.name)")
            }
        }
    }

    @Test func docsValidateAgainstTheSchemas() throws {
        let script = URL(filePath: #filePath).deletingLastPathComponent().appending(path: "validate_docs.py")
        let process = Process()
        process.executableURL = URL(filePath: "/usr/bin/env")
        process.arguments = ["python3", script.path, Self.docs.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let report = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(report)")
    }

    /// Two-space, sorted, unescaped JSON as the docs show it (Foundation's pretty printing differs by platform).
    private static func pretty(_ bytes: [UInt8]) throws -> Data {
        let process = Process()
        process.executableURL = URL(filePath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            "import json, sys; print(json.dumps(json.load(sys.stdin), indent=2, sort_keys=True, ensure_ascii=False))",
        ]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        try input.fileHandleForWriting.write(contentsOf: Data(bytes))
        try input.fileHandleForWriting.close()
        let formatted = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return formatted
    }
}

struct DocsMismatch: Error, CustomStringConvertible {
    let description: String
}
