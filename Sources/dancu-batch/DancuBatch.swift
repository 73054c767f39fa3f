import ArgumentParser
import BatchCampaign
import CommandSupport
import DanCuConfig
import DanCuContract
import Foundation
import Gateway
import Logging

@main
struct DancuBatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dancu-batch",
        abstract: "Clean-up campaigns from officers' spreadsheets: every row checked against the population database.",
        discussion: "See Docs/vi/chien-dich-lam-sach.md. `submit` again with the same --campaign resumes.",
        subcommands: [Submit.self, Status.self, Bench.self]
    )
}

/// Where campaign state files live, and which one a campaign uses.
struct StateOptions: ParsableArguments {
    @Option(
        help:
            "Directory of the campaign state files. Default: $XDG_STATE_HOME/dancu-batch or ~/.local/state/dancu-batch."
    )
    var stateDir: String?

    var directory: String {
        stateDir ?? ProcessInfo.processInfo.environment["XDG_STATE_HOME"].map { $0 + "/dancu-batch" }
            ?? FileManager.default.homeDirectoryForCurrentUser.appending(path: ".local/state/dancu-batch").path
    }

    /// One file per campaign, named after it with anything but ASCII letters, digits and `-_.` replaced.
    func path(campaign: String) -> String {
        let safe = String(
            campaign.unicodeScalars.map {
                $0.isASCII
                    && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0))
                    ? Character($0) : "_"
            }
        )
        return directory + "/" + safe + ".sqlite"
    }

    func store(campaign: String, creating: Bool) throws -> CampaignStore {
        let path = path(campaign: campaign)
        if creating {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } else if !FileManager.default.fileExists(atPath: path) {
            throw ValidationError("no campaign '\(campaign)' in \(directory)")
        }
        return try CampaignStore(path: path)
    }
}

struct Submit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send every row of a spreadsheet as a request, wait for the outcomes, write the results."
    )

    @Option(help: "Kafka bootstrap servers, host:port[,host:port].")
    var bootstrap: String
    @Option(help: "The portal whose request topic the campaign writes to.")
    var portal: String
    @Option(help: "verify, link or lookup.")
    var type: String
    @Option(help: "The procedure (TTHC) code of lookup rows without a 'Mã thủ tục' column.")
    var procedure: String?
    @Option(help: "The officers' sheet: .xlsx (first sheet) or .csv.")
    var file: String
    @Option(help: "The result, in the input's format.")
    var out: String
    @Option(help: "The campaign's name; running submit again with it resumes. Default: the input's file name.")
    var campaign: String?
    @Option(help: "Requests per second. Default: a tenth of the configured population-database quota.")
    var rate: Double?
    @Option(
        help:
            "The gateway configuration (portals, procedures, quota, and kafka.securityProtocol/tls/sasl for the portal's own Kafka credentials)."
    )
    var config = "Config/gateway.yaml"
    @Option(help: "Also write the summary as JSON to this file.")
    var report: String?
    @Option(help: "Seconds to wait for outstanding outcomes after the last send.")
    var wait: Double = 600
    @Option(help: "Log level (trace, debug, info, notice, warning, error, critical).")
    var logLevel: String = "warning"
    @OptionGroup var state: StateOptions

    func run() async throws {
        // A sheet or state file that cannot be read or written is an I/O failure, not a bug of the tool.
        try await exitingByKind(classify: { $0 is SheetError || $0 is CocoaError ? .ioError : nil }) {
            try await submit()
        }
    }

    private func submit() async throws {
        guard let type = RequestType(rawValue: type) else {
            throw ValidationError("--type must be verify, link or lookup")
        }
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("--log-level: '\(logLevel)' is not a level")
        }
        // Only the contract, the quota and the Kafka credentials matter here: no database is called.
        let (configuration, rules) = try GatewayConfiguration.load(path: config, checkingDeployment: false)
        let rate = self.rate ?? Double(configuration.populationDb.quota.requestsPerSecond) / 10
        guard rate > 0, rate.isFinite else { throw ValidationError("--rate must be a positive number") }
        guard rules.portal(withId: portal) != nil else {
            throw ValidationError("--portal \(portal): no such portal in \(config)")
        }
        let input = try CampaignFile(path: file)
        try input.checkOutput(out)
        _ = try input.header(for: type)
        let settings = CampaignSettings(
            name: campaign ?? input.url.deletingPathExtension().lastPathComponent,
            portal: portal,
            type: type,
            procedureCode: procedure
        )
        let store = try state.store(campaign: settings.name, creating: true)
        _ = try store.adopt(settings)
        var logger = Logger(label: "dancu-batch")
        logger.logLevel = level

        let clock = ContinuousClock()
        let start = clock.now
        try input.ingest(into: store, settings: settings)
        var sender = CampaignSender(
            bootstrapServers: bootstrap,
            rules: rules,
            rate: rate,
            wait: .milliseconds(Int64(max(0, wait) * 1000)),
            clock: clock,
            logger: logger,
            progress: Self.display()
        )
        // The portal's own principal (kafka.sasl.username), whose ACLs allow its request and outcome topics.
        sender.kafkaProperties = configuration.kafka.connectionProperties(
            bootstrapServers: bootstrap.split(separator: ",").map(String.init)
        )
        let sent: Result<CampaignCounts, any Error>
        do {
            sent = .success(try await sender.run(store, settings: settings))
        } catch {
            sent = .failure(error)
        }
        if isatty(STDOUT_FILENO) == 1 { print("") }
        // The results so far are written even when Kafka failed: the officer sees what is done.
        let released =
            procedure.flatMap { rules.procedure(forCode: $0)?.fields } ?? Array(Set(rules.procedures.flatMap(\.fields)))
        try input.writeResults(
            from: store,
            to: out,
            columns: ResultColumns(type: type, releasing: released),
            type: type
        )
        let counts = try sent.get()
        try finish(CampaignSummary(campaign: settings.name, counts: counts, duration: start.duration(to: clock.now)))
    }

    private func finish(_ summary: CampaignSummary) throws {
        print(summary.table())
        if let report { try summary.jsonData().write(to: URL(fileURLWithPath: report)) }
        if !summary.complete { throw ExitCode(ExitStatus.checkFailed.rawValue) }
    }

    /// A bar rewritten in place on a terminal; a plain line every 5 s into a pipe or a file.
    static func display() -> ProgressDisplay {
        if isatty(STDOUT_FILENO) == 1 {
            return ProgressDisplay(interval: .milliseconds(500)) { progress in
                FileHandle.standardOutput.write(Data(("\r\u{1B}[K" + progress.bar()).utf8))
            }
        }
        return ProgressDisplay(interval: .seconds(5)) { progress in
            FileHandle.standardOutput.write(Data((progress.line + "\n").utf8))
        }
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a campaign's progress from its state file.")

    @Option(help: "The campaign's name.")
    var campaign: String
    @OptionGroup var state: StateOptions

    func run() throws {
        let store = try state.store(campaign: campaign, creating: false)
        guard let settings = try store.settings() else {
            throw ValidationError("campaign '\(campaign)' has no settings yet")
        }
        let counts = try store.counts()
        print("\(settings.name): \(settings.type.rawValue) · \(settings.portal)")
        print(counts.line + " · chưa có kết quả (awaiting) \(counts.awaiting)")
        print(
            counts.isComplete
                ? "Hoàn tất (complete)"
                : "Chưa xong: chạy lại submit với cùng --campaign (not complete: run submit again)"
        )
    }
}

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time the file pipeline alone (read, repair, state, write), every row answered at once, no Kafka."
    )

    @Option(help: "The sheet: .xlsx or .csv.")
    var file: String
    @Option(help: "The result, in the input's format.")
    var out: String
    @Option(help: "verify, link or lookup.")
    var type: String = "verify"
    @OptionGroup var state: StateOptions

    func run() throws {
        guard let type = RequestType(rawValue: type) else {
            throw ValidationError("--type must be verify, link or lookup")
        }
        let input = try CampaignFile(path: file)
        try input.checkOutput(out)
        let name = "bench-\(UUID().uuidString)"
        let path = state.path(campaign: name)
        // The bench's state file is only measured: removed at the end, whatever happened.
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let clock = ContinuousClock()
        let start = clock.now
        let counts = try {
            let store = try state.store(campaign: name, creating: true)
            let settings = CampaignSettings(name: name, portal: "bench", type: type)
            _ = try store.adopt(settings)
            return try CampaignBench.run(input, output: out, store: store, settings: settings)
        }()
        let seconds = start.duration(to: clock.now) / .seconds(1)
        let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        print(
            "rows \(counts.rows) · repaired \(counts.repaired) · refused \(counts.refused) · \(CampaignProgress.oneDecimal(seconds)) s · "
                + "\(Int(Double(counts.rows) / seconds)) rows/s · state file \(bytes / 1_000_000) MB"
        )
    }
}
