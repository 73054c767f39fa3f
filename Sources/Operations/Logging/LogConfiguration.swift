import DanCuConfig
import Logging

/// The `log` section: how much the gateway logs and in which form.
public struct LogConfiguration: Sendable, Codable, Equatable {
    /// Lines for a terminal, or one JSON object per line for a log collector.
    public enum Format: String, Sendable, Codable, CaseIterable {
        case human
        case json
    }

    /// `trace`, `debug`, `info`, `notice`, `warning`, `error` or `critical`. Default: `info`.
    public var level: Logger.Level
    /// `human` or `json`. Default: `human`.
    public var format: Format

    public init() {
        level = .info
        format = .human
    }

    public init(level: Logger.Level, format: Format) {
        self.level = level
        self.format = format
    }

    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(decoder, keys: CodingKeys.self)
        let defaults = Self()
        level = section.value(.level, default: defaults.level)
        format = section.value(.format, default: defaults.format)
    }
}
