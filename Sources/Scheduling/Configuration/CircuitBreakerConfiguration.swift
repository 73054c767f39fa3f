import DanCuConfig

/// When to stop calling a failing population database (the `circuitBreaker` section). Failures
/// are errors and timeouts; 429 answers are rate limiting, not failures.
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
    /// Calls let through while half-open; all must succeed to close the breaker.
    /// Default: 1
    public var halfOpenProbes: Int

    public init() {
        self.init(
            windowSize: 20,
            minimumCalls: 10,
            failureRatio: 0.5,
            consecutiveFailures: 5,
            coolDown: .seconds(30),
            halfOpenProbes: 1
        )
    }

    public init(
        windowSize: Int,
        minimumCalls: Int,
        failureRatio: Double,
        consecutiveFailures: Int,
        coolDown: ConfigDuration,
        halfOpenProbes: Int
    ) {
        self.windowSize = windowSize
        self.minimumCalls = minimumCalls
        self.failureRatio = failureRatio
        self.consecutiveFailures = consecutiveFailures
        self.coolDown = coolDown
        self.halfOpenProbes = halfOpenProbes
    }

    private enum CodingKeys: String, CodingKey {
        case windowSize, minimumCalls, failureRatio, consecutiveFailures, coolDown, halfOpenProbes
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
        if minimumCalls > windowSize {
            section.report(.minimumCalls, "must not exceed windowSize (\(windowSize))")
        }
    }
}
