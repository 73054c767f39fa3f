import DurationUnits
import Foundation

/// A duration written the way operators write them: `500ms`, `30s`, `2m`, `24h`, `7d`, or a bare
/// number of seconds.
public struct ConfigDuration: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let duration: Duration

    public init(_ duration: Duration) {
        self.duration = duration
    }

    public static func seconds(_ seconds: Double) -> ConfigDuration { ConfigDuration(.seconds(seconds)) }
    public static func milliseconds(_ milliseconds: Int) -> ConfigDuration {
        ConfigDuration(.milliseconds(milliseconds))
    }

    private static let units: [(suffix: String, seconds: Double)] = [
        ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400),
    ]

    /// Parses `text`, or returns `nil` when it is not a non-negative duration.
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        // "ms" is tried before "s" and "m" so that "500ms" is not read as 500 minutes-and-s.
        for unit in Self.units.sorted(by: { $0.suffix.count > $1.suffix.count }) where trimmed.hasSuffix(unit.suffix) {
            guard let number = Double(trimmed.dropLast(unit.suffix.count)), number >= 0, number.isFinite else {
                return nil
            }
            self.init(.seconds(number * unit.seconds))
            return
        }
        guard let seconds = Double(trimmed), seconds >= 0, seconds.isFinite else { return nil }
        self.init(.seconds(seconds))
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text: String
        if let seconds = try? container.decode(Double.self) {
            text = String(seconds)
        } else {
            text = try container.decode(String.self)
        }
        guard let parsed = ConfigDuration(parsing: text) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "'\(text)' is not a duration (write e.g. 500ms, 30s, 2m, 24h)"
            )
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public var seconds: Double { duration.inSeconds }

    /// The largest unit that writes the duration exactly, e.g. `24h`, `30s`, `250ms`, `0.5ms`.
    public var description: String {
        for unit in Self.units.reversed() {
            let inUnit = Double(microseconds) / (unit.seconds * 1e6)
            if inUnit >= 1, inUnit == inUnit.rounded() {
                return "\(Int(inUnit))\(unit.suffix)"
            }
        }
        return "\(millisecondsText)ms"
    }

    /// The duration in milliseconds, with a fraction kept to the microsecond when it has one: `250`, `0.5`.
    public var millisecondsText: String {
        microseconds % 1000 == 0 ? String(microseconds / 1000) : String(Double(microseconds) / 1000)
    }

    private var microseconds: Int { Int((seconds * 1e6).rounded()) }

    public static func < (lhs: ConfigDuration, rhs: ConfigDuration) -> Bool {
        lhs.duration < rhs.duration
    }
}
