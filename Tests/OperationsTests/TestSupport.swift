import Foundation
import Synchronization

/// Time since start as the test says it is: rolling windows move only when the test advances it.
final class ManualElapsed: Sendable {
    private let now = Mutex(Duration.zero)

    var current: Duration { now.withLock { $0 } }

    func set(_ elapsed: Duration) { now.withLock { $0 = elapsed } }

    func advance(by duration: Duration) { now.withLock { $0 += duration } }

    var closure: @Sendable () -> Duration { { self.current } }
}

/// Reads samples out of Prometheus text exposition: `name{label="value",...} number`.
struct PrometheusText {
    struct Sample: Hashable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    let samples: [Sample]

    init(_ text: String) {
        samples = text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "),
                let value = Double(line[line.index(after: space)...])
            else { return nil }
            let series = line[..<space]
            guard let brace = series.firstIndex(of: "{") else {
                return Sample(name: String(series), labels: [:], value: value)
            }
            let inner = series[series.index(after: brace)..<series.index(before: series.endIndex)]
            var labels: [String: String] = [:]
            for pair in inner.split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                labels[String(parts[0])] = String(parts[1].dropFirst().dropLast())
            }
            return Sample(name: String(series[..<brace]), labels: labels, value: value)
        }
    }

    /// The value of the one sample named `name` with exactly `labels`, or nil.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    func series(named name: String) -> [Sample] {
        samples.filter { $0.name == name }
    }
}

/// The package root, for `.ci-artifacts/`.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
