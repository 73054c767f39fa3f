import Logging

/// Installs the process-wide log handler from the `log` section. Call once, at start, before any `Logger`
/// is made (swift-log allows one bootstrap per process).
public enum LogSetup {
    public static func bootstrap(_ configuration: LogConfiguration, output: LogOutput = .standardError) {
        LoggingSystem.bootstrap { label in
            StructuredLogHandler(label: label, format: configuration.format, level: configuration.level, output: output)
        }
    }
}
