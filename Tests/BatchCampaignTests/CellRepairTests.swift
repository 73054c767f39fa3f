import Testing

@testable import BatchCampaign

/// Excel damage: repaired only where one reading is possible, always with a Vietnamese note.
struct CellRepairTests {
    struct IdCase: Sendable, CustomStringConvertible {
        var cell: SheetCell
        var kind: CellRepair.IdKind
        var value: String?
        var refused: Bool
        var noted: Bool
        var description: String { "\(cell) as \(kind)" }
    }

    static let idCases: [IdCase] = [
        // 089 is An Giang: the 0 Excel dropped comes back.
        IdCase(cell: .number("89090000123"), kind: .cccd, value: "089090000123", refused: false, noted: true),
        IdCase(cell: .number("89090000123.0"), kind: .cccd, value: "089090000123", refused: false, noted: true),
        IdCase(cell: .text("89090000123"), kind: .cccd, value: "089090000123", refused: false, noted: true),
        // 001 is Hà Nội: Excel dropped two zeros.
        IdCase(cell: .number("1090012345"), kind: .cccd, value: "001090012345", refused: false, noted: true),
        IdCase(cell: .number("9090012345"), kind: .cccd, value: nil, refused: true, noted: true),
        // 099 is no province: a 0 in front does not make a valid number, so nothing is guessed.
        IdCase(cell: .number("99090000123"), kind: .cccd, value: nil, refused: true, noted: true),
        IdCase(cell: .text("089090000123"), kind: .cccd, value: "089090000123", refused: false, noted: false),
        IdCase(cell: .text(" 089090000123\u{00A0}"), kind: .cccd, value: "089090000123", refused: false, noted: false),
        IdCase(cell: .number("51234567"), kind: .cmnd, value: "051234567", refused: false, noted: true),
        IdCase(cell: .text("351234567"), kind: .cmnd, value: "351234567", refused: false, noted: false),
        IdCase(cell: .text("1.0909E+11"), kind: .cccd, value: nil, refused: true, noted: true),
        IdCase(cell: .number("1.0909E+11"), kind: .cccd, value: nil, refused: true, noted: true),
        IdCase(cell: .text("089 090 000 123"), kind: .cccd, value: nil, refused: true, noted: true),
        IdCase(cell: .text("89,090,000,123"), kind: .cccd, value: nil, refused: true, noted: true),
        IdCase(cell: .empty, kind: .cccd, value: nil, refused: false, noted: false),
        // Not Excel damage: sent as it is, and the gateway's own validation explains the problem.
        IdCase(cell: .text("08909000012A"), kind: .cccd, value: "08909000012A", refused: false, noted: false),
    ]

    @Test(arguments: idCases)
    func idNumbers(_ test: IdCase) {
        let repaired = CellRepair.idNumber(test.cell, kind: test.kind)
        #expect(repaired.value == test.value)
        #expect(repaired.refused == test.refused)
        #expect((repaired.note != nil) == test.noted)
    }

    @Test func notesAreVietnamese() throws {
        let note = try #require(CellRepair.idNumber(.number("89090000123"), kind: .cccd).note)
        #expect(note.contains("Đã thêm 1 số 0 ở đầu Số CCCD"))
        let refusal = try #require(CellRepair.idNumber(.text("1.0909E+11"), kind: .cccd).note)
        #expect(refusal.contains("dạng số khoa học"))
    }

    @Test(arguments: [
        (SheetCell.date("32983"), "20/04/1990" as String?, false),
        (.number("32983"), "20/04/1990", false),
        (.number("32983.5"), "20/04/1990", false),
        (.number("1"), "01/01/1900", false),
        (.number("59"), "28/02/1900", false),
        (.number("61"), "01/03/1900", false),
        (.text("32983"), "20/04/1990", false),
    ])
    func serialDates(cell: SheetCell, expected: String?, refused: Bool) {
        let repaired = CellRepair.dateOfBirth(cell)
        #expect(repaired.value == expected)
        #expect(repaired.refused == refused)
        #expect(repaired.note?.contains("Đã đổi ngày sinh") == true)
    }

    @Test func datesThatAreNotSerialsStayAsWritten() {
        #expect(CellRepair.dateOfBirth(.number("1990")) == .kept("1990"))
        #expect(CellRepair.dateOfBirth(.text("20/04/1990")) == .kept("20/04/1990"))
        #expect(CellRepair.dateOfBirth(.text("1990")) == .kept("1990"))
        // Serial 60 is Excel's 29 February 1900, a day that never was.
        #expect(CellRepair.dateOfBirth(.number("60")).refused)
    }
}

struct HeaderMapTests {
    @Test func matchesNamesWithoutCaseDiacriticsOrSpacing() {
        let header = HeaderMap(
            header: SheetRow(
                number: 1,
                cells: [
                    .text("STT"), .text("HỌ VÀ TÊN"), .text("so  dinh danh ca nhan"), .text("Số CMND"),
                    .text(" Ngày tháng năm sinh "),
                    .text("Mã Thủ Tục"),
                ]
            )
        )
        #expect(header[.fullName] == 1)
        #expect(header[.idNumber] == 2)
        #expect(header[.legacyIdNumber] == 3)
        #expect(header[.dateOfBirth] == 4)
        #expect(header[.procedureCode] == 5)
        #expect(header.width == 6)
        #expect(header.missing(for: "link").isEmpty)
    }

    @Test func namesWhatIsMissing() {
        let header = HeaderMap(header: SheetRow(number: 1, cells: [.text("Họ tên"), .text("Số CCCD")]))
        #expect(header.missing(for: "verify") == ["Ngày sinh"])
        #expect(header.missing(for: "link") == ["Ngày sinh", "Số CMND"])
    }
}
