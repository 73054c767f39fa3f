import ArgumentParser
import DanCuConfig
import Foundation

/// `dancu-gateway`: the gateway and its companion tools. Subcommands only parse arguments and wire parts.
@main
struct DancuGateway: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dancu-gateway",
        abstract: "Gateway between provincial portals (Kafka) and the National Population Database (SOAP).",
        version: BuildVersion.current,
        subcommands: [Run.self, Demo.self, DevKafka.self, CheckConfig.self, Validate.self],
        defaultSubcommand: Run.self
    )
}

/// `--config PATH`, shared by the subcommands that read gateway.yaml.
struct ConfigOption: ParsableArguments {
    @Option(
        name: .long,
        help:
            "The gateway configuration (YAML). Without it, Config/gateway.yaml when present; environment variables DANCU_* override any key."
    )
    var config: String?

    /// The file to read: the one named, else `Config/gateway.yaml` in the working directory when it exists.
    var path: String? {
        if let config { return config }
        let shipped = "Config/gateway.yaml"
        return FileManager.default.fileExists(atPath: shipped) ? shipped : nil
    }
}
