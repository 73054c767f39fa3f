/// Whether the gateway serves real portals or runs on development stand-ins. Development mode (the embedded
/// Kafka cluster and the population-database simulator, always together) marks itself wherever it shows:
/// `/status`, `/readyz`, the dashboard, and every outcome's headers.
public enum DeploymentMode: String, Sendable, Hashable, Codable {
    case production
    /// Embedded Kafka and a simulated population database: synthetic citizens, never real answers.
    case development
}
