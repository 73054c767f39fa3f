/// A `Duration` in the units rates, histograms and librdkafka's millisecond settings need, written once.
extension Duration {
    /// In seconds, for rates and other `Double` arithmetic.
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// In milliseconds, for the status board's percentiles and librdkafka's `*.ms` settings.
    public var inMilliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }

    /// In whole nanoseconds, for atomics and histograms.
    public var inNanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
