import DanCuContract
import Foundation

/// The file pipeline alone (read, repair, store, write) with every request answered at once from the
/// store, as if the database were never the limit: how fast a sheet goes through and how much memory it takes.
public enum CampaignBench {
    public static func run(
        _ file: CampaignFile,
        output: String,
        store: CampaignStore,
        settings: CampaignSettings
    ) throws -> CampaignCounts {
        try file.ingest(into: store, settings: settings)
        let now = Date()
        while true {
            let batch = try store.unsent(limit: 1000)
            if batch.isEmpty { break }
            try store.record(
                batch.map { pending in
                    Outcome(
                        requestId: pending.requestId,
                        portal: settings.portal,
                        type: settings.type,
                        status: .verified,
                        message: "[CSDLQGDC] Xác thực với CSDLQG về Dân cư thành công (benchmark).",
                        source: .cache,
                        attempts: 0,
                        receivedAt: now,
                        completedAt: now
                    )
                },
                positions: [:]
            )
        }
        try file.writeResults(
            from: store,
            to: output,
            columns: ResultColumns(type: settings.type, releasing: []),
            type: settings.type
        )
        return try store.counts()
    }
}
