import Foundation
import Testing

@testable import DanCuContract

/// The direct JSON writers must write exactly what `JSONEncoder` writes from the Codable conformances in
/// the contract's style: portals may compare outcomes byte for byte, and duplicates republish bytes.
@Suite struct ContractJSONWriterTests {
    /// Text that exercises every escape: quotes, backslashes, slashes, each control character, and
    /// Vietnamese letters both composed and decomposed.
    static let awkwardTexts: [String] =
        [
            "", "plain", "Hòa Bình", "NGUYỄN THỊ THU", "Nguye\u{0302}\u{0303}n", #"quote " and \ backslash"#,
            "dates like 20/04/1990 keep their slashes", "emoji 🇻🇳", "\u{2028}\u{2029}\u{7F}",
        ] + (0..<0x20).map { "control \(Character(Unicode.Scalar($0)!)) inside" }

    static func outcomes() -> [Outcome] {
        let receivedAt = Date(timeIntervalSince1970: 1_716_168_600.125)
        let address = Address(
            provinceCode: "89",
            districtCode: nil,
            wardCode: "30280",
            detail: #"SỐ 1/2 "A""#,
            country: "VIỆT NAM"
        )
        var outcomes: [Outcome] = []
        for (index, text) in awkwardTexts.enumerated() {
            let citizen = ReleasedCitizen(values: [
                .fullName: .text(text), .gender: .text("Nữ"), .religion: .missing,
                .permanentAddress: .address(address), .currentAddress: .address(Address()),
                .dateOfBirth: .text("20/04/1990"),
            ])
            outcomes.append(
                Outcome(
                    requestId: "r-\(index)-\(text.prefix(3))",
                    portal: "angiang",
                    type: RequestType.allCases[index % RequestType.allCases.count],
                    status: OutcomeStatus.allCases[index % OutcomeStatus.allCases.count],
                    message: text,
                    citizen: index.isMultiple(of: 2) ? citizen : nil,
                    errors: index.isMultiple(of: 3)
                        ? [] : [FieldProblem(field: "citizen.fullName", code: .missing, message: text)],
                    source: OutcomeSource.allCases[index % OutcomeSource.allCases.count],
                    attempts: index,
                    receivedAt: receivedAt,
                    completedAt: receivedAt.addingTimeInterval(Double(index) * 0.001)
                )
            )
        }
        var typeless = outcomes[0]
        typeless.type = nil
        return outcomes + [typeless]
    }

    @Test func outcomesAreTheBytesJSONEncoderWrites() {
        for outcome in Self.outcomes() {
            #expect(outcome.jsonBytes() == ContractJSON.encode(outcome), "\(outcome.requestId)")
        }
    }

    @Test func everyCitizenFieldSortsAsJSONEncoderSortsKeys() {
        let citizen = ReleasedCitizen(
            values: Dictionary(uniqueKeysWithValues: CitizenField.allCases.map { ($0, .text($0.rawValue)) })
        )
        var writer = ContractJSONWriter()
        citizen.write(to: &writer)
        #expect(writer.bytes == ContractJSON.encode(citizen))
    }
}
