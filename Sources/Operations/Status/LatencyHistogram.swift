import DurationUnits
import Foundation

/// Latencies counted in logarithmic bins, so that a minute of traffic at any rate costs a few hundred
/// integers and percentiles are still within a few per cent.
struct LatencyHistogram: Sendable, Hashable {
    /// Each bin's upper bound is this factor above the previous one: percentiles overstate by at most 4%.
    private static let growth = 1.04
    private static let smallestSeconds = 0.000_1
    private static let logGrowth = log(growth)

    private var counts: [Int: Int] = [:]
    private(set) var count = 0

    mutating func record(_ latency: Duration) {
        counts[Self.bin(of: latency), default: 0] += 1
        count += 1
    }

    mutating func merge(_ other: LatencyHistogram) {
        counts.merge(other.counts, uniquingKeysWith: +)
        count += other.count
    }

    /// The upper bound of the bin holding the `quantile` (0...1) of recorded latencies; nil when empty.
    func value(atQuantile quantile: Double) -> Duration? {
        guard count > 0 else { return nil }
        let rank = max(1, Int((quantile * Double(count)).rounded(.up)))
        var seen = 0
        for bin in counts.keys.sorted() {
            seen += counts[bin, default: 0]
            if seen >= rank { return Self.upperBound(of: bin) }
        }
        return counts.keys.max().map(Self.upperBound(of:))
    }

    private static func bin(of latency: Duration) -> Int {
        let seconds = latency.inSeconds
        guard seconds > smallestSeconds else { return 0 }
        return Int((log(seconds / smallestSeconds) / logGrowth).rounded(.up))
    }

    private static func upperBound(of bin: Int) -> Duration {
        .seconds(smallestSeconds * pow(growth, Double(bin)))
    }
}
