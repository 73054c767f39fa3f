import Histogram

/// End-to-end latencies in microseconds (HdrHistogram, three significant digits, up to one hour).
public struct LatencyRecorder: Sendable {
    private static let highestTrackableMicroseconds: UInt64 = 3_600_000_000
    private var histogram = Histogram<UInt64>(
        highestTrackableValue: highestTrackableMicroseconds,
        numberOfSignificantValueDigits: .three
    )

    public init() {}

    /// Negative latencies (an outcome faster than the schedule's clock) count as zero; longer than an
    /// hour as an hour.
    public mutating func record(_ latency: Duration) {
        let microseconds = max(0, latency / .microseconds(1))
        histogram.record(min(UInt64(microseconds.rounded()), Self.highestTrackableMicroseconds))
    }

    public var count: Int { Int(histogram.totalCount) }

    public var summary: LatencySummary {
        guard histogram.totalCount > 0 else { return LatencySummary(p50: 0, p90: 0, p99: 0, p999: 0, max: 0) }
        func milliseconds(_ microseconds: UInt64) -> Double { Double(microseconds) / 1000 }
        return LatencySummary(
            p50: milliseconds(histogram.valueAtPercentile(50)),
            p90: milliseconds(histogram.valueAtPercentile(90)),
            p99: milliseconds(histogram.valueAtPercentile(99)),
            p999: milliseconds(histogram.valueAtPercentile(99.9)),
            max: milliseconds(histogram.max)
        )
    }
}

/// Percentiles of end-to-end latency, in milliseconds.
public struct LatencySummary: Sendable, Hashable, Codable {
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var p999: Double
    public var max: Double
}
