import ArgumentParser
import CommandSupport
import Foundation
import Gateway
import Yams

struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract:
            "Print the effective configuration (file plus DANCU_* environment, secrets masked), or every problem in it.",
        discussion:
            "Exits 0 when the configuration would start, 78 (as `run` does) with one line per problem when it would not."
    )

    @OptionGroup var configOption: ConfigOption

    @Flag(help: "Check it as `run --embedded` would start it (development mode).")
    var embedded = false

    func run() async throws {
        try await exitingByKind {
            let (configuration, _) = try GatewayConfiguration.load(
                path: configOption.path,
                developmentRequested: embedded
            )
            print(
                "# effective configuration (\(configOption.path ?? "no file, defaults and environment only")), mode: \(configuration.mode.rawValue)"
            )
            print(try YAMLEncoder().encode(configuration))
        }
    }
}
