import ArgumentParser
import CommandSupport
import DanCuConfig
import DurationUnits
import Foundation
import Gateway
import Logging
import Operations
import Synchronization
import TrafficModel

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Start the embedded cluster, the simulator and the gateway in one process, send generated traffic with known answers, print the report.",
        discussion:
            "Exits 0 only when every request got its expected outcome. Kafka and population-database settings in the configuration are ignored: the demo always runs embedded."
    )

    @Option(help: "Requests to send.")
    var requests = 2000

    @Option(help: "Requests per second (open loop: sends follow the schedule, not the answers).")
    var rate: Double = 200

    @OptionGroup var configOption: ConfigOption

    func validate() throws {
        guard requests > 0 else { throw ValidationError("--requests must be positive") }
        guard rate > 0 else { throw ValidationError("--rate must be positive") }
    }

    func run() async throws {
        try await exitingByKind { try await runDemo() }
    }

    private func runDemo() async throws {
        var (configuration, rules) = try GatewayConfiguration.load(path: configOption.path, checkingDeployment: false)
        // Always development mode: the demo must not send made-up traffic to a real cluster or database.
        configuration.embedded.enabled = true
        configuration.kafka.bootstrapServers = []
        configuration.populationDb.url = nil
        configuration.populationDb.quota = .init()
        configuration.populationDb.quota.requestsPerSecond = max(Int(rate * 2), 50)
        configuration.populationDb.quota.burst = configuration.populationDb.quota.requestsPerSecond
        configuration.populationDb.quota.maxInFlight = 64
        configuration.admin.port = 0
        var logConfiguration = configuration.log
        logConfiguration.level = .warning
        LogSetup.bootstrap(logConfiguration)
        let logger = makeLogger()
        let profile = LoadProfile(
            count: requests,
            rate: rate,
            seed: configuration.embedded.seed,
            citizens: configuration.embedded.citizens
        )
        let contractRules = rules
        let report = ReportBox()
        let runtime = GatewayRuntime(configuration: configuration, rules: rules, logger: logger)
        try await runGateway(
            runtime,
            announce: { endpoints in
                print(
                    "demo: embedded Kafka at \(endpoints.bootstrapServers), simulator at \(endpoints.populationDatabaseURL)"
                )
                print(
                    "demo: sending \(requests) requests at \(Int(rate))/s from \(profile.portals.joined(separator: ", "))"
                )
            },
            whileRunning: { endpoints, metrics in
                // Sending before the group has assigned the partitions would time the group's join, not the gateway.
                let waitStarted = ContinuousClock.now
                while !metrics.isReady {
                    guard ContinuousClock.now - waitStarted < Self.readinessLimit else {
                        throw DemoError("the gateway was not ready within \(Self.readinessLimit)")
                    }
                    try await Task.sleep(for: .milliseconds(50))
                }
                print(
                    "demo: gateway ready and holding its partitions after "
                        + String(format: "%.1f s", (ContinuousClock.now - waitStarted).inSeconds) + "; sending"
                )
                let progress = ProgressReporter(interval: .seconds(1)) { print("  \($0.line)") }
                let runner = LoadRunner(
                    bootstrapServers: endpoints.bootstrapServers,
                    rules: contractRules,
                    logger: logger,
                    progress: progress
                )
                let result = try await runner.generate(profile)
                report.value.withLock { $0 = result }
            }
        )
        guard let result = report.value.withLock({ $0 }) else {
            throw DemoError("the traffic run ended without a report")
        }
        print(result.table())
        if !result.passed { throw ExitCode(ExitStatus.checkFailed.rawValue) }
    }

    /// Generous: the mock cluster's first group join takes a few seconds on a loaded machine.
    private static let readinessLimit = Duration.seconds(120)
}

private struct DemoError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Carries the report out of the traffic task.
private final class ReportBox: Sendable {
    let value = Mutex<LoadReport?>(nil)
}
