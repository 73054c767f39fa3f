/// How one population-database call ended, as the client classifies it.
public enum UpstreamCallOutcome: String, Sendable, Hashable, Codable, CaseIterable {
    case ok
    case notFound = "not_found"
    /// Worth trying again: timeouts, 429, 5xx, connection failures.
    case retriable
    /// Trying again will not help: a malformed answer, a refused credential.
    case permanent
}
