public import DanCuContract

/// How the simulator starts: where it listens, which population it serves, whom it trusts, and
/// the initial faults (changeable at runtime through `/_sim/faults`).
public struct SimulatorConfiguration: Sendable {
    /// Default: `127.0.0.1`
    public var host: String
    /// `0` picks a free port; `start()` returns the one bound. Default: `0`
    public var port: Int
    /// Size of the synthetic population. Default: `1_000_000`
    public var citizens: Int
    /// Seed of the synthetic population. Default: `1`
    public var seed: UInt64
    /// The only user name whose signatures are accepted. Default: `dancu-gateway`
    public var username: String
    /// The shared signing secret. Default: `dancu-sim-secret`
    public var secret: String
    /// Accepted requests per client in any one-second window; `0` means unlimited. Default: `0`
    public var quota: Int
    /// Requests a client may send back to back, refilled at `quota` per second; `nil` means `quota`.
    /// Default: `nil`
    public var burst: Int?
    /// Median added latency in milliseconds. Default: `0`
    public var latencyMs: Double
    /// 99th percentile of the added latency (log-normal); at or below the median, latency is constant.
    /// Default: `0`
    public var latencyP99Ms: Double
    /// Share of requests answered HTTP 500 with a `Server` fault. Default: `0`
    public var errorRate: Double
    /// Share of requests never answered (until the client gives up or `hangLimit` passes). Default: `0`
    public var timeoutRate: Double
    /// The longest a request chosen to time out is held. Default: `120s`
    public var hangLimit: Duration
    /// Timestamps further than this from the simulator's clock are refused with 401. Default: `5m`
    public var maximumClockSkew: Duration
    /// HTTPS instead of plain HTTP, with client certificates required when it names a client CA.
    /// Default: `nil` (plain HTTP)
    public var tls: SimulatorTLS?
    /// How the registry writes names: it stores them with tones in this convention and compares names
    /// as exact text. Default: `.traditional`
    public var tonePlacement: TonePlacement

    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        citizens: Int = 1_000_000,
        seed: UInt64 = 1,
        username: String = "dancu-gateway",
        secret: String = "dancu-sim-secret",
        quota: Int = 0,
        burst: Int? = nil,
        latencyMs: Double = 0,
        latencyP99Ms: Double = 0,
        errorRate: Double = 0,
        timeoutRate: Double = 0,
        hangLimit: Duration = .seconds(120),
        maximumClockSkew: Duration = .seconds(300),
        tls: SimulatorTLS? = nil,
        tonePlacement: TonePlacement = .traditional
    ) {
        self.host = host
        self.port = port
        self.citizens = citizens
        self.seed = seed
        self.username = username
        self.secret = secret
        self.quota = quota
        self.burst = burst
        self.latencyMs = latencyMs
        self.latencyP99Ms = latencyP99Ms
        self.errorRate = errorRate
        self.timeoutRate = timeoutRate
        self.hangLimit = hangLimit
        self.maximumClockSkew = maximumClockSkew
        self.tls = tls
        self.tonePlacement = tonePlacement
    }

    /// The faults the simulator starts with.
    var initialFaults: SimulatorFaults {
        SimulatorFaults(
            errorRate: errorRate,
            timeoutRate: timeoutRate,
            latencyMs: latencyMs,
            latencyP99Ms: latencyP99Ms,
            outage: false,
            quota: quota,
            burst: burst ?? quota
        )
    }
}
