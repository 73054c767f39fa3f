/// One exit status per kind of failure, the same for every command (README, "Exit status"), so that scripts
/// and orchestrators can tell a configuration mistake from an unreachable service or a failed check.
public enum ExitStatus: Int32, Sendable, CaseIterable {
    case success = 0
    /// The command ran and what it checks failed: wrong outcomes (demo, load), a refused request
    /// (`validate --strict`), a campaign row without an outcome.
    case checkFailed = 1
    /// The command line itself is wrong (swift-argument-parser's own status, as BSD's sysexits name it).
    case usage = 64
    /// Kafka or the population database could not be reached.
    case unavailable = 69
    /// Anything else: a fault of the command itself, worth a bug report.
    case internalError = 70
    /// An input file could not be read or written.
    case ioError = 74
    /// The configuration is incomplete or wrong: one line per problem, naming the key.
    case configuration = 78
}
