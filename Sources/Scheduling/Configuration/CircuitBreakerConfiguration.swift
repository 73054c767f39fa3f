import DanCuConfig

/// When to stop calling a failing population database (the `circuitBreaker` section). Failures
/// are transport errors, timeouts and 5xx answers; any other answer (429, 4xx, a SOAP client fault)
/// shows the database is up.
public struct CircuitBreakerConfiguration: Sendable, Hashable, Codable {
    /// Outcomes of the most recent calls the failure ratio is computed over.
    /// Default: 20
    public var windowSize: Int
    /// Calls the window must hold before the ratio may open the breaker.
    /// Default: 10
    public var minimumCalls: Int
    /// Share of failed calls in the window that opens the breaker.
    /// Default: 0.5
    public var failureRatio: Double
    /// Failures in a row that open the breaker whatever the window says.
    /// Default: 5
    public var consecutiveFailures: Int
    /// How long the breaker stays open before letting probe calls through.
    /// Default: 30s
    public var coolDown: ConfigDuration
    /// Calls let through while half-open; all must be answered to close the breaker.
    /// Default: 1
    public var halfOpenProbes: Int
    /// How long half-open waits for its probes to decide before opening again.
    /// Default: 30s
    public var halfOpenTimeout: ConfigDuration

    public init() {
        self.init(
            windowSize: 20,
            minimumCalls: 10,
            failureRatio: 0.5,
            consecutiveFailures: 5,
            coolDown: .seconds(30),
            halfOpenProbes: 1,
            halfOpenTimeout: .seconds(30)
        )
    }

    public init(
        windowSize: Int,
        minimumCalls: Int,
        failureRatio: Double,
        consecutiveFailures: Int,
        coolDown: ConfigDuration,
        halfOpenProbes: Int,
        halfOpenTimeout: ConfigDuration = .seconds(30)
    ) {
        self.windowSize = windowSize
        self.minimumCalls = minimumCalls
        self.failureRatio = failureRatio
        self.consecutiveFailures = consecutiveFailures
        self.coolDown = coolDown
        self.halfOpenProbes = halfOpenProbes
        self.halfOpenTimeout = halfOpenTimeout
    }

    private enum CodingKeys: String, CodingKey {
        case windowSize, minimumCalls, failureRatio, consecutiveFailures, coolDown, halfOpenProbes, halfOpenTimeout
    }

    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(decoder, keys: CodingKeys.self)
        let defaults = Self()
        let positive = "must be a positive integer"
        windowSize = section.value(.windowSize, default: defaults.windowSize, positive) { $0 > 0 }
        minimumCalls = section.value(.minimumCalls, default: defaults.minimumCalls, positive) { $0 > 0 }
        failureRatio = section.value(
            .failureRatio,
            default: defaults.failureRatio,
            "must be greater than 0 and at most 1"
        ) {
            $0 > 0 && $0 <= 1
        }
        consecutiveFailures = section.value(.consecutiveFailures, default: defaults.consecutiveFailures, positive) {
            $0 > 0
        }
        coolDown = section.value(.coolDown, default: defaults.coolDown, "must be positive") { $0.duration > .zero }
        halfOpenProbes = section.value(.halfOpenProbes, default: defaults.halfOpenProbes, positive) { $0 > 0 }
        halfOpenTimeout = section.value(.halfOpenTimeout, default: defaults.halfOpenTimeout, "must be positive") {
            $0.duration > .zero
        }
        if minimumCalls > windowSize {
            section.report(.minimumCalls, "must not exceed windowSize (\(windowSize))")
        }
    }
}
