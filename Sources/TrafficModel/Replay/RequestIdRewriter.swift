import Foundation

/// Gives a replayed request a run-unique `requestId` (`<run>-<original>`), so its outcome is told
/// apart from the recorded run's and the gateway's idempotency does not answer it from memory.
struct RequestIdRewriter {
    struct Rewritten {
        var requestId: String
        var channel: String
        var key: [UInt8]?
        var value: [UInt8]?
    }

    private static let maximumIdLength = 128

    let runId: String
    /// Tracks messages without a usable `requestId`; no outcome can name them.
    let fallback: String

    func rewrite(_ entry: ReplayEntry) -> Rewritten {
        let value = entry.valueBytes
        let key = entry.key.map { Array($0.utf8) }
        guard let value,
            var object = (try? JSONSerialization.jsonObject(with: Data(value))) as? [String: Any],
            let original = object["requestId"] as? String
        else {
            return Rewritten(requestId: "\(runId)-\(fallback)", channel: "unknown", key: key, value: value)
        }
        let prefix = "\(runId)-"
        let requestId = prefix + original.suffix(Self.maximumIdLength - prefix.count)
        object["requestId"] = requestId
        let rewritten = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return Rewritten(
            requestId: requestId,
            channel: object["channel"] as? String ?? "online",
            key: entry.key == original ? Array(requestId.utf8) : key,
            value: rewritten.map(Array.init) ?? value
        )
    }
}
