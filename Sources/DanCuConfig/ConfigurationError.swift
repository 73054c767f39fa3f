/// Everything wrong with a configuration, reported at once so an operator fixes a file in one pass.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// One problem, tied to the key it concerns.
    public struct Issue: Sendable, Hashable, CustomStringConvertible {
        /// The key's path as an operator writes it, e.g. `kafka.bootstrapServers` or `portals[1].weight`;
        /// for environment variables, the variable's name.
        public let key: String
        public let message: String

        public init(key: String, message: String) {
            self.key = key
            self.message = message
        }

        public var description: String { "\(key): \(message)" }
    }

    public let issues: [Issue]

    public init(issues: [Issue]) {
        self.issues = issues
    }

    public init(key: String, message: String) {
        self.issues = [Issue(key: key, message: message)]
    }

    /// One line per issue.
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
