import ArgumentParser
import CommandSupport
import DanCuContract
import DevelopmentEnvironment
import Foundation
import Gateway
import Logging
import Operations

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the gateway until SIGTERM/SIGINT, on the configured Kafka and population database.",
        discussion: """
            With neither Kafka nor the population database configured, or with --embedded, it runs in development \
            mode: embedded Kafka and the population-database simulator, marked on every outcome \
            (dancu-environment: development), in /status, /readyz and on the dashboard. One of them configured \
            without the other stops the start, naming the missing key (exit 78).
            """
    )

    @OptionGroup var configOption: ConfigOption

    @Flag(help: "Development mode (the same as embedded.enabled: true): embedded Kafka and the simulator.")
    var embedded = false

    @Option(help: "Also write the bootstrap servers to this file.")
    var bootstrapFile: String?

    func run() async throws {
        try await exitingByKind {
            let (configuration, rules) = try GatewayConfiguration.load(
                path: configOption.path,
                developmentRequested: embedded
            )
            LogSetup.bootstrap(configuration.log)
            let logger = makeLogger()
            let runtime = GatewayRuntime(configuration: configuration, rules: rules, logger: logger)
            let bootstrapFile = self.bootstrapFile
            try await runGateway(
                runtime,
                announce: { connections in
                    try announceBootstrap(connections.bootstrapServers, file: bootstrapFile)
                }
            )
        }
    }
}

/// Runs the gateway on the configured services, or in development mode on stand-ins started here and kept
/// for as long as it runs. The only place that chooses between the two.
func runGateway(
    _ runtime: GatewayRuntime,
    handlesSignals: Bool = true,
    announce: @Sendable (GatewayRuntime.Connections) throws -> Void,
    whileRunning: (@Sendable (GatewayRuntime.Connections, GatewayMetrics) async throws -> Void)? = nil
) async throws {
    switch runtime.configuration.mode {
    case .production:
        try await runtime.run(
            connections: .configured(runtime.configuration),
            handlesSignals: handlesSignals,
            announce: announce,
            whileRunning: whileRunning
        )
    case .development:
        let environment = try await DevelopmentEnvironment.start(
            configuration: runtime.configuration,
            rules: runtime.rules,
            logger: runtime.logger
        )
        // The cluster lives as long as the environment.
        defer { withExtendedLifetime(environment) {} }
        try await runtime.run(
            connections: environment.connections,
            companions: environment.companions,
            handlesSignals: handlesSignals,
            announce: announce,
            whileRunning: whileRunning
        )
    }
}

/// The first line on stdout, so scripts and kcat users can find the cluster.
func announceBootstrap(_ servers: String, file: String?) throws {
    // Written straight to the file descriptor: a piped stdout is block-buffered, and scripts wait for this line.
    FileHandle.standardOutput.write(Data("bootstrap: \(servers)\n".utf8))
    if let file {
        try (servers + "\n").write(toFile: file, atomically: true, encoding: .utf8)
    }
}

/// The level and format come from the log handler `LogSetup` installed (`log.level`, `log.format`).
func makeLogger() -> Logger {
    Logger(label: "dancu-gateway")
}
