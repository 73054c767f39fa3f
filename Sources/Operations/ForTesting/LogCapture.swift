import Logging
import Synchronization

/// Collects the lines a `Logger` would write, rendered exactly as in production, so a test can scan them
/// (for personal data, for a request id) without bootstrapping the process-wide logging system.
public final class LogCapture: Sendable {
    private let captured = Mutex<[String]>([])

    public init() {}

    /// A logger writing into this capture at `level` in `format`.
    public func logger(label: String, level: Logger.Level = .trace, format: LogConfiguration.Format = .json) -> Logger {
        Logger(label: label) { label in
            StructuredLogHandler(label: label, format: format, level: level, output: self.output)
        }
    }

    /// An output for `StructuredLogHandler` or `LogSetup.bootstrap` that appends here.
    public var output: LogOutput {
        LogOutput { line in self.captured.withLock { $0.append(line) } }
    }

    /// Every line so far, each ending in a newline.
    public var lines: [String] { captured.withLock { $0 } }
}
