import ArgumentParser
import DanCuConfig
import Foundation
import Kafka

/// Runs a subcommand; a failure prints one line per problem and exits with its kind's status (README,
/// "Exit status"), so that `run` and `check-config` report the same configuration problem alike.
func exitingByKind<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as ConfigurationError {
        for issue in error.issues { printError("error: \(issue)") }
        throw ExitCode(ExitStatus.configuration.rawValue)
    } catch let error as KafkaError {
        printError("error: Kafka: \(error)")
        throw ExitCode(ExitStatus.unavailable.rawValue)
    } catch let error where error is ExitCode || error is ValidationError || error is CleanExit {
        throw error
    } catch {
        printError("error: \(error)")
        throw ExitCode(ExitStatus.internalError.rawValue)
    }
}

func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
