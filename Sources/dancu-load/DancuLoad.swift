import ArgumentParser
import CommandSupport
import DanCuConfig
import DanCuContract
import Foundation
import Logging
import TrafficModel

@main
struct DancuLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dancu-load",
        abstract:
            "Generate, replay and record DanCu Gateway traffic; check every outcome; report throughput and latency.",
        discussion:
            "See Docs/load-testing.md. The exit code is 0 only when nothing was lost and nothing was incorrect.",
        version: BuildVersion.current,
        subcommands: [Generate.self, Replay.self, Record.self]
    )

    /// The tool's own failures, for every command's exit statuses (README, "Exit status"), so that 1 always
    /// means "the gateway answered wrongly": a run that could not be carried out knows its kind, and a replay or
    /// report file that cannot be read or written is an I/O failure.
    static func exitStatus(of error: any Error) -> ExitStatus? {
        switch error {
        case let error as LoadRunError: error.exitStatus
        case is ReplayFileError, is CocoaError: .ioError
        default: nil
        }
    }
}

/// Options every subcommand shares.
struct CommonOptions: ParsableArguments {
    @Option(name: .customLong("bootstrap"), help: "Kafka bootstrap servers, host:port[,host:port].")
    var bootstrap: String

    @Option(help: "The gateway configuration whose portals, procedures and requests sections apply.")
    var config = "Config/gateway.yaml"

    @Option(help: "Log level of the tool itself (trace, debug, info, notice, warning, error, critical).")
    var logLevel: String = "warning"

    func logger() throws -> Logger {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("--log-level: '\(logLevel)' is not a log level")
        }
        var logger = Logger(label: "dancu-load")
        logger.logLevel = level
        return logger
    }

    func rules() throws -> ContractRules {
        do {
            return try ContractFile.rules(path: config)
        } catch {
            throw ValidationError("\(config): \(error)")
        }
    }

    /// The synthetic population the gateway's development mode simulates, as the configuration sets it.
    func population() throws -> EmbeddedConfiguration {
        do {
            return try ContractFile.sections(path: config).embedded
        } catch {
            throw ValidationError("\(config): \(error)")
        }
    }
}

/// Options of the commands that send traffic and report on it.
struct ReportOptions: ParsableArguments {
    @Option(help: "Write the report as JSON to this file.")
    var report: String?

    @Option(help: "Write a self-contained HTML page with charts to this file.")
    var html: String?

    @Option(help: "Seconds to wait for outstanding outcomes after the last send.")
    var drainTimeout: Double = 30

    var drainDuration: Duration { .milliseconds(Int64(max(0, drainTimeout) * 1000)) }

    func progressReporter() -> ProgressReporter {
        // A terminal gets one line rewritten in place; a pipe or file gets a plain line now and then.
        if isatty(STDOUT_FILENO) == 1 {
            return ProgressReporter(interval: .milliseconds(500)) { progress in
                // Unbuffered, so the line shows at once.
                FileHandle.standardOutput.write(Data(("\r\u{1B}[K" + progress.line).utf8))
            }
        }
        return ProgressReporter(interval: .seconds(5)) { progress in print(progress.line) }
    }

    func finish(_ report: LoadReport) throws {
        if isatty(STDOUT_FILENO) == 1 { print("") }
        print(report.table())
        if let path = self.report {
            try report.jsonData().write(to: URL(fileURLWithPath: path))
        }
        if let html {
            try Data(report.html().utf8).write(to: URL(fileURLWithPath: html))
        }
        if !report.passed { throw ExitCode(ExitStatus.checkFailed.rawValue) }
    }
}

struct Generate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Publish generated requests open-loop and check every outcome."
    )

    @OptionGroup var common: CommonOptions
    @OptionGroup var output: ReportOptions

    @Option(help: "Portal ids, comma-separated.")
    var portals = LoadProfile.sourceDocumentPortals.joined(separator: ",")
    @Option(help: "Number of requests (or give --duration).")
    var count: Int?
    @Option(help: "How long to send, e.g. 30s, 2m (or give --count).")
    var duration: String?
    @Option(help: "Requests per second.")
    var rate: Double
    @Option(help: "Request type weights.")
    var mix = "verify=60,lookup=30,link=10"
    @Option(help: "Channel weights.")
    var channels = "counter=20,online=50,batch=30"
    @Option(name: .customLong("repeat"), help: "Share of requests about an earlier citizen (cache hits).")
    var repeatShare = 0.3
    @Option(name: .customLong("wrong"), help: "Share with wrong data.")
    var wrongShare = 0.1
    @Option(name: .customLong("invalid"), help: "Share of malformed requests.")
    var invalidShare = 0.02
    @Option(name: .customLong("forbidden"), help: "Share of requests the portal may not make.")
    var forbiddenShare = 0.02
    @Option(help: "Seed of the synthetic population (the simulator's --seed). Default: embedded.seed of --config.")
    var seed: UInt64?
    @Option(
        help: "Size of the synthetic population (the simulator's --citizens). Default: embedded.citizens of --config."
    )
    var citizens: Int?
    @Option(help: "Also write every sent request with its expectation to this replay file.")
    var record: String?

    func profile() throws -> LoadProfile {
        let population = try common.population()
        let total: Int
        switch (count, duration) {
        case (let count?, nil): total = count
        case (nil, let duration?):
            guard let seconds = DurationText.seconds(duration) else {
                throw ValidationError("--duration: '\(duration)' is not a duration such as 30s, 2m or 500ms")
            }
            total = Int((seconds * rate).rounded(.down))
        default: throw ValidationError("give exactly one of --count and --duration")
        }
        do {
            return LoadProfile(
                portals: portals.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) },
                count: total,
                rate: rate,
                mix: try WeightedMix(parsing: mix),
                channels: try WeightedMix(parsing: channels),
                repeatShare: repeatShare,
                wrongShare: wrongShare,
                invalidShare: invalidShare,
                forbiddenShare: forbiddenShare,
                seed: seed ?? population.seed,
                citizens: citizens ?? population.citizens,
                drainTimeout: output.drainDuration
            )
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func run() async throws {
        try await exitingByKind(classify: DancuLoad.exitStatus(of:)) {
            let rules = try common.rules()
            let profile = try profile()
            let problems = profile.problems(against: rules)
            guard problems.isEmpty else { throw ValidationError(problems.joined(separator: "\n")) }
            let writer = try record.map { try ReplayWriter(path: $0) }
            let runner = LoadRunner(
                bootstrapServers: common.bootstrap,
                rules: rules,
                logger: try common.logger(),
                progress: output.progressReporter()
            )
            let report = try await runner.generate(profile, recordTo: writer)
            try writer?.close()
            try output.finish(report)
        }
    }
}

struct Replay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay a recorded file keeping its relative timing; check outcomes where the file has expectations."
    )

    @OptionGroup var common: CommonOptions
    @OptionGroup var output: ReportOptions

    @Option(help: "The replay file (JSON Lines).")
    var file: String
    @Option(help: "Timing factor: 2 replays twice as fast.")
    var speed = 1.0

    func run() async throws {
        try await exitingByKind(classify: DancuLoad.exitStatus(of:)) {
            let rules = try common.rules()
            let entries = try ReplayFile.read(path: file)
            let runner = LoadRunner(
                bootstrapServers: common.bootstrap,
                rules: rules,
                logger: try common.logger(),
                progress: output.progressReporter()
            )
            let report = try await runner.replay(entries, speed: speed, drainTimeout: output.drainDuration)
            try output.finish(report)
        }
    }
}

struct Record: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Capture live request traffic into the replay format.")

    @OptionGroup var common: CommonOptions

    @Option(help: "Topic names, comma-separated, or one regular expression starting with ^.")
    var topics = TrafficRecorder.defaultTopics
    @Option(help: "The replay file to write.")
    var out: String
    @Option(help: "How long to record, e.g. 60s; without it, until interrupted.")
    var duration: String?
    @Option(help: "Stop after this many messages.")
    var limit: Int?
    @Flag(help: "Start at the oldest retained message instead of the newest.")
    var fromBeginning = false

    func run() async throws {
        try await exitingByKind(classify: DancuLoad.exitStatus(of:)) {
            let recordingTime = try duration.map { text in
                guard let seconds = DurationText.seconds(text) else {
                    throw ValidationError("--duration: '\(text)' is not a duration such as 30s, 2m or 500ms")
                }
                return Duration.milliseconds(Int64(seconds * 1000))
            }
            let recorder = TrafficRecorder(
                bootstrapServers: common.bootstrap,
                rules: try common.rules(),
                logger: try common.logger()
            )
            let writer = try ReplayWriter(path: out)
            let written = try await recorder.record(
                topics: topics.hasPrefix("^") ? [topics] : topics.split(separator: ",").map(String.init),
                duration: recordingTime,
                limit: limit,
                fromBeginning: fromBeginning,
                to: writer
            )
            try writer.close()
            print("recorded \(written) messages to \(out)")
        }
    }
}

/// `500ms`, `30s`, `2m`, `1h`, or plain seconds.
enum DurationText {
    static func seconds(_ text: String) -> Double? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            guard let value = Double(text.dropLast(suffix.count)), value > 0 else { return nil }
            return value * factor
        }
        return Double(text).flatMap { $0 > 0 ? $0 : nil }
    }
}
