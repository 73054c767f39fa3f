/// How an upstream call went, as the scheduler needs to know it to adapt the call rate.
public enum UpstreamCallResult: Sendable, Hashable {
    /// An answer (found or not found) after `latency`.
    case success(latency: Duration)
    /// HTTP 429; `retryAfter` from the `Retry-After` header pauses every call until then.
    case rateLimited(retryAfter: Duration?)
    /// An error or timeout after `latency`; only its latency matters to the rate (the circuit
    /// breaker counts failures).
    case failure(latency: Duration)
}
