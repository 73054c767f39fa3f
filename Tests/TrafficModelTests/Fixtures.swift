import DanCuContract
import Foundation
import Kafka
import Logging
import Testing

@testable import TrafficModel

/// The configuration the demo runs with: Config/gateway.yaml, read as `dancu-load` reads it.
enum Fixture {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func rules() throws -> ContractRules {
        try ContractFile.rules(
            path: repositoryRoot.appendingPathComponent("Config/gateway.yaml").path,
            environment: [:]
        )
    }

    static var logger: Logger {
        var logger = Logger(label: "traffic-tests")
        logger.logLevel = .warning
        return logger
    }

    /// What each kind must get, independently of the contract code the generator consults.
    static func intendedStatus(_ kind: RequestKind, type: RequestType?) -> OutcomeStatus {
        switch kind {
        case .correct, .repeated: type == .verify ? .verified : .found
        case .wrongDateOfBirth, .wrongName, .unknownId, .contradictoryDigits, .wrongLegacyId:
            type == .verify ? .notVerified : .notFound
        case .invalid: .invalidRequest
        case .forbiddenField, .portalMismatch, .typeNotAllowed: .forbidden
        }
    }
}

/// The request as sent, read back.
struct SentRequest {
    let object: [String: Any]

    init(_ value: [UInt8]) {
        object = (try? JSONSerialization.jsonObject(with: Data(value))) as? [String: Any] ?? [:]
    }

    var type: RequestType? { (object["type"] as? String).flatMap(RequestType.init) }
    var citizen: [String: String] { object["citizen"] as? [String: String] ?? [:] }
}

/// A name no other test uses.
func uniqueName(_ prefix: String) -> String {
    "\(prefix)\(UUID().uuidString.prefix(8).lowercased())"
}

/// `body`'s result or error, so clean-up that must await can run before the error is rethrown.
func capture<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
    do {
        return .success(try await body())
    } catch {
        return .failure(error)
    }
}
