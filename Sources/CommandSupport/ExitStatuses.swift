import ArgumentParser
import DanCuConfig
import Foundation
import Kafka

/// Runs a command; a failure prints one line per problem and exits with its kind's status (README, "Exit
/// status"), so that every command reports the same kind of failure alike.
/// - Parameter classify: the command's own errors that are not configuration or Kafka problems (a file that
///   cannot be read is `ioError`, say); `nil` for the others, which are internal errors.
public func exitingByKind<T>(
    classify: (any Error) -> ExitStatus? = { _ in nil },
    _ body: () async throws -> T
) async throws -> T {
    do {
        return try await body()
    } catch let error as ConfigurationError {
        for issue in error.issues { printError("error: \(issue)") }
        throw ExitCode(ExitStatus.configuration.rawValue)
    } catch let error as KafkaError {
        printError("error: Kafka: \(error)")
        // librdkafka refusing a setting is the configuration's fault, not the cluster's.
        throw ExitCode((error.configurationKey == nil ? ExitStatus.unavailable : .configuration).rawValue)
    } catch let error where error is ExitCode || error is ValidationError || error is CleanExit {
        throw error
    } catch {
        printError("error: \(error)")
        throw ExitCode((classify(error) ?? .internalError).rawValue)
    }
}

public func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
