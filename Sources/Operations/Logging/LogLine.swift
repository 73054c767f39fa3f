import DanCuContract
import Foundation
import Logging

/// One log event, rendered for a terminal or as a JSON object; every string passes the ID-number mask.
struct LogLine {
    var time: Date
    var level: Logger.Level
    var label: String
    var message: String
    var metadata: Logger.Metadata

    /// `2026-11-23T19:40:00.123Z info dancu.gateway: published requestId=r-1 portal=an-giang`
    func human() -> String {
        var line = "\(Timestamp.format(time)) \(level) \(label): \(IdNumberMask.apply(to: message))"
        for key in metadata.keys.sorted() {
            guard let value = metadata[key] else { continue }
            line += " \(key)=\(Self.human(value))"
        }
        return line + "\n"
    }

    /// `{"time":"...","level":"info","label":"...","message":"...","metadata":{"portal":"an-giang",...}}`
    func json() -> String {
        var line = "{\"time\":"
        Self.appendJSONString(Timestamp.format(time), to: &line)
        line += ",\"level\":"
        Self.appendJSONString(level.rawValue, to: &line)
        line += ",\"label\":"
        Self.appendJSONString(label, to: &line)
        line += ",\"message\":"
        Self.appendJSONString(message, to: &line)
        line += ",\"metadata\":"
        Self.appendJSON(.dictionary(metadata), to: &line)
        return line + "}\n"
    }

    private static func human(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): IdNumberMask.apply(to: text)
        case .stringConvertible(let convertible): IdNumberMask.apply(to: convertible.description)
        case .array(let values): "[" + values.map(human).joined(separator: ", ") + "]"
        case .dictionary(let entries):
            "["
                + entries.keys.sorted().compactMap { key in entries[key].map { "\(key): \(human($0))" } }
                .joined(separator: ", ") + "]"
        }
    }

    private static func appendJSON(_ value: Logger.Metadata.Value, to line: inout String) {
        switch value {
        case .string(let text):
            appendJSONString(text, to: &line)
        case .stringConvertible(let convertible):
            appendJSONString(convertible.description, to: &line)
        case .array(let values):
            line += "["
            for (index, element) in values.enumerated() {
                if index > 0 { line += "," }
                appendJSON(element, to: &line)
            }
            line += "]"
        case .dictionary(let entries):
            line += "{"
            for (index, key) in entries.keys.sorted().enumerated() {
                if index > 0 { line += "," }
                appendJSONString(key, to: &line)
                line += ":"
                if let element = entries[key] { appendJSON(element, to: &line) }
            }
            line += "}"
        }
    }

    private static func appendJSONString(_ text: String, to line: inout String) {
        line += "\""
        for scalar in IdNumberMask.apply(to: text).unicodeScalars {
            switch scalar {
            case "\"": line += "\\\""
            case "\\": line += "\\\\"
            case "\n": line += "\\n"
            case "\r": line += "\\r"
            case "\t": line += "\\t"
            case _ where scalar.value < 0x20:
                line +=
                    "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            default: line.unicodeScalars.append(scalar)
            }
        }
        line += "\""
    }
}
