import ArgumentParser
import Foundation
import Gateway
import Yams

struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Print the effective configuration (file plus DANCU_* environment, secrets masked), or every problem in it."
    )

    @OptionGroup var configOption: ConfigOption

    func run() async throws {
        let configuration: GatewayConfiguration
        do {
            (configuration, _) = try GatewayConfiguration.load(path: configOption.path)
        } catch {
            for issue in error.issues {
                FileHandle.standardError.write(Data("error: \(issue)\n".utf8))
            }
            throw ExitCode(2)
        }
        print("# effective configuration (\(configOption.path ?? "no file, defaults and environment only"))")
        print(try YAMLEncoder().encode(configuration))
    }
}
