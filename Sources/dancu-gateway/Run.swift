import DanCuContract
import ArgumentParser
import Foundation
import Gateway
import Logging
import Operations

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the gateway until SIGTERM/SIGINT. With no Kafka or population database configured, starts the embedded ones."
    )

    @OptionGroup var configOption: ConfigOption

    @Option(help: "Also write the embedded cluster's bootstrap servers to this file.")
    var bootstrapFile: String?

    func run() async throws {
        let (configuration, rules) = try loadConfiguration(configOption)
        LogSetup.bootstrap(configuration.log)
        let logger = makeLogger()
        let runtime = GatewayRuntime(configuration: configuration, rules: rules, logger: logger)
        let bootstrapFile = self.bootstrapFile
        try await runtime.run(announce: { endpoints in
            try announceBootstrap(endpoints.bootstrapServers, file: bootstrapFile)
        })
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

func loadConfiguration(_ option: ConfigOption) throws -> (GatewayConfiguration, ContractRules) {
    do {
        return try GatewayConfiguration.load(path: option.path)
    } catch {
        throw ValidationError("invalid configuration:\n\(error)")
    }
}

/// The level and format come from the log handler `LogSetup` installed (`log.level`, `log.format`).
func makeLogger() -> Logger {
    Logger(label: "dancu-gateway")
}


