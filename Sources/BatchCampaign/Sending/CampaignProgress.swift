/// A campaign's progress at one moment, rendered as a terminal bar or a plain log line.
public struct CampaignProgress: Sendable, Hashable {
    public var counts: CampaignCounts
    /// Messages published by this run, and over how long.
    public var sentThisRun: Int
    public var elapsed: Duration
    public var rate: Double

    public init(counts: CampaignCounts, sentThisRun: Int, elapsed: Duration, rate: Double) {
        self.counts = counts
        self.sentThisRun = sentThisRun
        self.elapsed = elapsed
        self.rate = rate
    }

    /// Messages per second published by this run so far.
    public var currentRate: Double {
        let seconds = elapsed / .seconds(1)
        return seconds > 0 ? Double(sentThisRun) / seconds : 0
    }

    /// Seconds until the rows still without an outcome are through, at the configured rate.
    public var secondsLeft: Int { Int((Double(counts.awaiting) / rate).rounded(.up)) }

    /// `gửi 120/500 · có kết quả 100 (not_verified 10, verified 90) · từ chối 3 · 10.0/s · còn 0:38`
    public var line: String {
        counts.line + " · \(Self.oneDecimal(currentRate))/s · còn \(Self.clock(secondsLeft))"
    }

    /// The line behind a bar of `width` cells filled by the share of rows that have a result.
    public func bar(width: Int = 30) -> String {
        let done = counts.rows == 0 ? 1 : Double(counts.rows - counts.awaiting) / Double(counts.rows)
        let filled = Int((done * Double(width)).rounded(.down))
        let percent = Int((done * 100).rounded(.down))
        return "[" + String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            + "] \(percent)% " + line
    }

    public static func oneDecimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// `0:38`, `12:05`, `3:04:00`.
    static func clock(_ seconds: Int) -> String {
        let (hours, minutes, rest) = (seconds / 3600, seconds / 60 % 60, seconds % 60)
        let tail = (rest < 10 ? "0" : "") + "\(rest)"
        return hours > 0 ? "\(hours):" + (minutes < 10 ? "0" : "") + "\(minutes):\(tail)" : "\(minutes):\(tail)"
    }
}

/// Where a run shows its progress, every `interval`.
public struct ProgressDisplay: Sendable {
    public var interval: Duration
    public var show: @Sendable (CampaignProgress) -> Void

    public init(interval: Duration, show: @escaping @Sendable (CampaignProgress) -> Void) {
        self.interval = interval
        self.show = show
    }
}
