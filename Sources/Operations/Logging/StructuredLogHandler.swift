import Foundation
import LogKeys
import Logging

extension Logger {
    /// This logger with the request's id and portal attached, for every line about that request.
    public func forRequest(id requestId: String, portal: String) -> Logger {
        var logger = self
        logger.handler.metadata.merge(Self.requestMetadata(id: requestId, portal: portal)) { $1 }
        return logger
    }

    /// One line about a request, with its id and portal added only if the line is logged: a logger made
    /// per request with `forRequest` cost measurably on the hot path, for lines mostly below the level.
    public func log(
        _ level: Logger.Level,
        request requestId: String,
        portal: String,
        _ message: @autoclosure () -> Logger.Message,
        metadata: @autoclosure () -> Logger.Metadata = [:]
    ) {
        log(
            level: level,
            message(),
            metadata: metadata().merging(Self.requestMetadata(id: requestId, portal: portal)) { $1 }
        )
    }

    private static func requestMetadata(id requestId: String, portal: String) -> Logger.Metadata {
        [LogKey.requestId: .string(requestId), LogKey.portal: .string(portal)]
    }
}

/// Where finished log lines go. One call per line, so lines from concurrent tasks never interleave.
public struct LogOutput: Sendable {
    private let writeLine: @Sendable (String) -> Void

    public init(_ writeLine: @escaping @Sendable (String) -> Void) {
        self.writeLine = writeLine
    }

    /// Standard error, one `write` per line.
    public static let standardError = LogOutput { line in
        FileHandle.standardError.write(Data(line.utf8))
    }

    func write(_ line: String) { writeLine(line) }
}

/// A swift-log handler writing either human lines or JSON lines (one object per line: `time`, `level`,
/// `label`, `message`, `metadata`). As a last line of defence it masks every standalone 9- or 12-digit number
/// (the shape of a CMND or CCCD) wherever it appears in a line: callers must not log personal data at all,
/// and if one slips through it leaves as `0012******87`. The price is that an unrelated number of exactly
/// that length (a Kafka offset past 10^8) is masked too.
public struct StructuredLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?

    private let label: String
    private let format: LogConfiguration.Format
    private let output: LogOutput
    private let now: @Sendable () -> Date

    public init(
        label: String,
        format: LogConfiguration.Format,
        level: Logger.Level,
        output: LogOutput = .standardError,
        metadataProvider: Logger.MetadataProvider? = nil,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.output = output
        self.metadataProvider = metadataProvider
        self.now = now
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() {
            merged.merge(provided) { _, new in new }
        }
        if let eventMetadata = event.metadata {
            merged.merge(eventMetadata) { _, new in new }
        }
        if let error = event.error {
            merged[LogKey.error] = .string("\(error)")
        }
        let line = LogLine(
            time: now(),
            level: event.level,
            label: label,
            message: event.message.description,
            metadata: merged
        )
        output.write(format == .json ? line.json() : line.human())
    }
}
