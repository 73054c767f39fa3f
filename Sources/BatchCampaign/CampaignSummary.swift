import Foundation

/// The end of a run, printed and, with `--report`, written as JSON.
public struct CampaignSummary: Sendable, Hashable, Codable {
    public var campaign: String
    public var rows: Int
    public var repaired: Int
    public var refused: Int
    /// Rows with an outcome, by status.
    public var answered: [String: Int]
    /// Rows sent and still without an outcome (0 when the campaign is complete).
    public var awaiting: Int
    /// Messages this campaign has published over all its runs, resends included.
    public var sends: Int
    public var durationSeconds: Double
    public var complete: Bool

    public init(campaign: String, counts: CampaignCounts, duration: Duration) {
        self.campaign = campaign
        rows = counts.rows
        repaired = counts.repaired
        refused = counts.refused
        answered = counts.answered
        awaiting = counts.awaiting
        sends = counts.sends
        durationSeconds = duration / .seconds(1)
        complete = counts.isComplete
    }

    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// Vietnamese first, English in brackets: the officer reads it, the operator may too.
    public func table() -> String {
        var lines = [
            "Chiến dịch (campaign): \(campaign)",
            "Số dòng (rows): \(rows)",
            "Đã sửa (repaired): \(repaired)",
            "Từ chối, không gửi (refused): \(refused)",
        ]
        lines += answered.sorted { $0.key < $1.key }.map { "Kết quả \($0.key): \($0.value)" }
        lines += [
            "Chưa có kết quả (awaiting): \(awaiting)",
            "Thời gian (duration): \(CampaignProgress.oneDecimal(durationSeconds)) s",
        ]
        return lines.joined(separator: "\n")
    }
}
