import DanCuContract
import Foundation
import Testing

@testable import BatchCampaign

/// Files made and read back by openpyxl, an implementation independent of ours.
@Suite(.timeLimit(.minutes(2))) struct ExcelFileTests {
    typealias Cell = Fixtures.Cell

    static let header: [Cell] = [
        .text("STT"), .text("Họ và tên"), .text("Số CCCD"), .text("Ngày sinh"), .text("Ghi chú của cán bộ"),
    ]
    static let rows: [[Cell]] = [
        header,
        [.number(1), .text("Trần Quang Khương"), .number(89_090_000_123), .date("1990-04-20"), .text("đã gọi điện")],
        [.number(2), .text("H’Hen Niê"), .text("066185000456"), .text("1985"), .none],
        [.number(3), .text("Bùi Thị Hoa"), .text("1.0909E+11"), .date("1975-08-15"), .text("x")],
        [.number(4), .text("Lê Văn Tám"), .number(89_090_000_124), .number(1992), .none],
    ]

    /// Every cell of `rows` as our reader should see it.
    static let expectedCells: [[SheetCell]] = [
        [.text("STT"), .text("Họ và tên"), .text("Số CCCD"), .text("Ngày sinh"), .text("Ghi chú của cán bộ")],
        [.number("1"), .text("Trần Quang Khương"), .number("89090000123"), .date("32983"), .text("đã gọi điện")],
        [.number("2"), .text("H’Hen Niê"), .text("066185000456"), .text("1985")],
        [.number("3"), .text("Bùi Thị Hoa"), .text("1.0909E+11"), .date("27621"), .text("x")],
        [.number("4"), .text("Lê Văn Tám"), .number("89090000124"), .number("1992")],
    ]

    @Test func readsSharedStringsNumbersAndSerialDatesOfTheFirstSheet() throws {
        let file = try Fixtures.directory().appending(path: "in.xlsx")
        try Fixtures.writeXLSX(Self.rows, to: file)
        var read: [SheetRow] = []
        try XLSXReader(url: file).forEachRow { read.append($0) }
        #expect(read.map(\.cells) == Self.expectedCells)
        #expect(read.map(\.number) == [1, 2, 3, 4, 5])
    }

    /// Runs the file pipeline with every sent row answered `verified`, as the gateway would.
    static func process(_ input: URL, output: URL) throws -> CampaignCounts {
        let settings = CampaignSettings(name: "test-\(UUID().uuidString)", portal: "angiang", type: .verify)
        let store = try CampaignStore(path: input.deletingLastPathComponent().appending(path: "state.sqlite").path)
        let file = try CampaignFile(path: input.path)
        try file.ingest(into: store, settings: settings)
        let pending = try store.unsent(limit: 100)
        try store.record(
            pending.map {
                Outcome(
                    requestId: $0.requestId,
                    portal: "angiang",
                    type: .verify,
                    status: .verified,
                    message: "thành công",
                    source: .cache,
                    attempts: 0,
                    receivedAt: Date(),
                    completedAt: Date()
                )
            },
            positions: [:]
        )
        try file.writeResults(
            from: store,
            to: output.path,
            columns: ResultColumns(type: .verify, releasing: []),
            type: .verify
        )
        return try store.counts()
    }

    @Test func writtenWorkbookKeepsEveryCellAndAddsTheResultColumns() throws {
        let directory = try Fixtures.directory()
        let input = directory.appending(path: "in.xlsx")
        let output = directory.appending(path: "out.xlsx")
        try Fixtures.writeXLSX(Self.rows, to: input)
        let counts = try Self.process(input, output: output)
        #expect(counts.rows == 4)
        #expect(counts.repaired == 3)
        #expect(counts.refused == 1)
        #expect(counts.isComplete)

        let written = try Fixtures.readXLSX(output)
        try #require(written.count == Self.rows.count)
        for (index, row) in Self.rows.enumerated() {
            let original = Array(written[index].prefix(row.count))
            #expect(original == row, "row \(index + 1)")
        }
        #expect(Array(written[0].suffix(3)) == [.text("Trạng thái"), .text("Kết quả"), .text("Ghi chú")])
        #expect(written[1][5] == .text("verified"))
        guard case .text(let repairNote) = written[1][7] else {
            Issue.record("no note on a repaired row")
            return
        }
        #expect(repairNote.contains("số 0 ở đầu Số CCCD"))
        #expect(repairNote.contains("Đã đổi ngày sinh"))
        #expect(written[3][5] == .text("refused"))
        guard case .text(let refusal) = written[3][7] else {
            Issue.record("no note on a refused row")
            return
        }
        #expect(refusal.contains("dạng số khoa học"))
    }

    @Test(arguments: [("utf-8-sig", ","), ("utf-8", ";"), ("utf-16", "tab")])
    func csvInEveryExcelEncodingReadsAndWritesBackUnchanged(encoding: String, separator: String) throws {
        let directory = try Fixtures.directory()
        let input = directory.appending(path: "in.csv")
        let output = directory.appending(path: "out.csv")
        let rows: [[Cell]] = [
            Self.header,
            [
                .text("1"), .text("Trần Quang Khương"), .text("89090000123"), .text("20/04/1990"),
                .text("có dấu phẩy, và \"ngoặc\""),
            ],
            [.text("2"), .text("H’Hen Niê"), .text("1.0909E+11"), .text("32983"), .none],
        ]
        try Fixtures.writeCSV(rows, to: input, encoding: encoding, separator: separator)
        let counts = try Self.process(input, output: output)
        #expect(counts.rows == 2)
        #expect(counts.refused == 1)

        let bytes = try Data(contentsOf: output)
        #expect(bytes.starts(with: [0xEF, 0xBB, 0xBF]))
        let written = try Fixtures.readCSV(output)
        let texts = rows.map { $0.map { if case .text(let text) = $0 { text } else { "" } } }
        #expect(written.map { Array($0.prefix(5)) } == texts)
        #expect(written[0].suffix(3) == ["Trạng thái", "Kết quả", "Ghi chú"])
        #expect(written[1][5] == "verified")
        #expect(written[1][7].contains("số 0 ở đầu Số CCCD"))
        #expect(written[2][5] == "refused")
        #expect(written[2][7].contains("dạng số khoa học"))
    }
}
