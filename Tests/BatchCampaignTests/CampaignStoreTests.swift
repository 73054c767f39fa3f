import DanCuContract
import Foundation
import Kafka
import Testing

@testable import BatchCampaign

/// The resume logic on the state file alone: what a second run sends, and what it never sends again.
struct CampaignStoreTests {
    static let settings = CampaignSettings(name: "làm sạch tháng 6", portal: "angiang", type: .verify)

    static func rows(_ count: Int) -> [PreparedRow] {
        let header = HeaderMap(
            header: SheetRow(number: 1, cells: [.text("Họ và tên"), .text("Số CCCD"), .text("Ngày sinh")])
        )
        return (0..<count).map { index in
            PreparedRow(
                SheetRow(
                    number: index + 2,
                    cells: [.text("Người \(index)"), .text("0890900\(10000 + index)"), .text("1990")]
                ),
                header: header,
                settings: settings
            )
        }
    }

    static func outcome(_ id: String, _ status: OutcomeStatus) -> Outcome {
        Outcome(
            requestId: id,
            portal: "angiang",
            type: .verify,
            status: status,
            message: "m \(id)",
            source: .cache,
            attempts: 0,
            receivedAt: Date(),
            completedAt: Date()
        )
    }

    static func freshStore() throws -> (CampaignStore, String) {
        let path = try Fixtures.directory().appending(path: "state.sqlite").path
        return (try CampaignStore(path: path), path)
    }

    @Test func readingTheFileTwiceStoresEveryRowOnce() throws {
        let (store, _) = try Self.freshStore()
        let rows = Self.rows(10)
        try store.ingest(rows)
        try store.ingest(rows)
        let counts = try store.counts()
        #expect(counts.rows == 10)
        #expect(counts.requests == 10)
        #expect(try store.unsent(limit: 100).count == 10)
    }

    @Test func identicalRowsShareOneRequestAndBothGetItsOutcome() throws {
        let (store, _) = try Self.freshStore()
        var rows = Self.rows(2)
        rows[1] = PreparedRow(
            SheetRow(number: 3, cells: [.text("Người 0"), .text("089090010000"), .text("1990")]),
            header: HeaderMap(
                header: SheetRow(number: 1, cells: [.text("Họ và tên"), .text("Số CCCD"), .text("Ngày sinh")])
            ),
            settings: Self.settings
        )
        try store.ingest(rows)
        #expect(try store.counts().requests == 1)
        let id = try #require(rows[0].request?.requestId)
        try store.record([Self.outcome(id, .verified)], positions: [:])
        #expect(try store.counts().answered == ["verified": 2])
    }

    @Test func aResumedRunSendsOnlyWhatWasNeverSentThenWhatWasNeverAnswered() throws {
        let (store, path) = try Self.freshStore()
        #expect(try store.adopt(Self.settings) == Self.settings)
        try store.ingest(Self.rows(10))
        try store.markIngested()
        let first = try store.beginRun()
        let sentFirst = try store.unsent(limit: 6)
        try store.markSent(sentFirst.map(\.requestId), run: first)
        // Four of the six sent were answered before the crash.
        let topicPartition = TopicPartition(topic: "dancu.outcomes.angiang", partition: 3)
        try store.record(
            sentFirst.prefix(4).map { Self.outcome($0.requestId, .verified) },
            positions: [topicPartition: 42]
        )

        let reopened = try CampaignStore(path: path)
        #expect(try reopened.isIngested())
        #expect(try reopened.adopt(Self.settings) == Self.settings)
        let second = try reopened.beginRun()
        #expect(second == first + 1)
        let unsent = try reopened.unsent(limit: 100)
        #expect(unsent.map(\.requestId) == Self.rows(10).suffix(4).compactMap(\.request?.requestId))
        let resend = try reopened.unanswered(sentBefore: second, limit: 100)
        #expect(resend.map(\.requestId) == sentFirst.suffix(2).map(\.requestId))
        #expect(try reopened.positions(topic: "dancu.outcomes.angiang") == [topicPartition: 42])

        // Once resent in this run, they are not offered again in it.
        try reopened.markSent(resend.map(\.requestId), run: second)
        #expect(try reopened.unanswered(sentBefore: second, limit: 100).isEmpty)
        #expect(try reopened.counts().sends == 8)
    }

    @Test func theFirstOutcomeOfARequestWins() throws {
        let (store, _) = try Self.freshStore()
        try store.ingest(Self.rows(1))
        let id = try #require(Self.rows(1).first?.request?.requestId)
        #expect(try store.record([Self.outcome(id, .verified)], positions: [:]) == 1)
        #expect(
            try store.record([Self.outcome(id, .unavailable), Self.outcome("batch-other", .verified)], positions: [:])
                == 0
        )
        #expect(try store.counts().answered == ["verified": 1])
        #expect(try store.counts().isComplete)
    }

    @Test func aCampaignCannotResumeWithOtherSettings() throws {
        let (store, _) = try Self.freshStore()
        _ = try store.adopt(Self.settings)
        var other = Self.settings
        other.type = .link
        #expect(throws: CampaignError.self) { try store.adopt(other) }
    }

    @Test func requestIdsDependOnCampaignAndContentOnly() throws {
        let rows = Self.rows(2)
        let again = Self.rows(2)
        #expect(rows.map(\.request?.requestId) == again.map(\.request?.requestId))
        let id = try #require(rows[0].request?.requestId)
        #expect(id != rows[1].request?.requestId)
        #expect(id.hasPrefix(Self.settings.requestIdPrefix))
        #expect(id.count <= 128)
        #expect(id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
    }
}

struct ResultColumnsTests {
    static func result(_ citizen: ReleasedCitizen?) -> RowResult {
        RowResult(sent: true, status: .found, message: "thành công", notes: "", citizen: citizen)
    }

    @Test func lookupWritesEachReleasedFieldUnderItsVietnameseName() {
        let columns = ResultColumns(type: .lookup, releasing: [.permanentAddress, .fullName, .ethnicity])
        #expect(
            columns.names == [
                "Trạng thái", "Kết quả", "Ghi chú", "Họ và tên (CSDLQG)", "Dân tộc (CSDLQG)", "Nơi thường trú (CSDLQG)",
            ]
        )
        let citizen = ReleasedCitizen(values: [
            .fullName: .text("PHẠM VĂN ĐỨC"), .ethnicity: .missing,
            .permanentAddress: .address(Address(provinceCode: "30", detail: "THÔN AN NINH", country: "VIỆT NAM")),
        ])
        #expect(
            columns.cells(for: Self.result(citizen)) == [
                "found", "thành công", "", "PHẠM VĂN ĐỨC", "Chưa có thông tin", "THÔN AN NINH, VIỆT NAM",
            ]
        )
    }

    @Test func linkAddsTheCCCDTheDatabaseHoldsAndVerifyNothingMore() {
        let link = ResultColumns(type: .link, releasing: [])
        #expect(link.names.last == "Số CCCD (CSDLQG)")
        #expect(
            link.cells(for: Self.result(ReleasedCitizen(values: [.idNumber: .text("089175000321")]))).last
                == "089175000321"
        )
        let verify = ResultColumns(type: .verify, releasing: [.fullName])
        #expect(verify.names == ["Trạng thái", "Kết quả", "Ghi chú"])
        #expect(verify.cells(for: nil) == ["", "", ""])
        let refused = RowResult(sent: false, status: nil, message: nil, notes: "ghi chú", citizen: nil)
        #expect(verify.cells(for: refused).first == "refused")
    }
}
