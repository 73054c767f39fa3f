/// The circuit breaker's state as operations sees it; `gaugeValue` is what `dancu_circuit_state` shows.
public enum CircuitState: String, Sendable, Hashable, Codable, CaseIterable {
    case closed
    case halfOpen = "half_open"
    case open

    /// 0 closed, 1 half-open, 2 open: higher is worse, so an alert can say `> 0` or `== 2`.
    public var gaugeValue: Int {
        switch self {
        case .closed: 0
        case .halfOpen: 1
        case .open: 2
        }
    }
}

/// How one population-database call ended, as the client classifies it.
public enum UpstreamCallOutcome: String, Sendable, Hashable, Codable, CaseIterable {
    case ok
    case notFound = "not_found"
    /// Worth trying again: timeouts, 429, 5xx, connection failures.
    case retriable
    /// Trying again will not help: a malformed answer, a refused credential.
    case permanent
}
