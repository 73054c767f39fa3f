import ArgumentParser
import CommandSupport
import DanCuConfig
import DanCuContract
import Foundation
import Gateway

struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Read one request (JSON) from stdin and print what validation alone decides: the normalised request, the outcome, or the dead-letter reason.",
        discussion: """
            Without --portal, the request's own `portal` field names the portal. Exits 0 when the request would be \
            sent to the population database or answered, 1 when it would be dead-lettered; with --strict, also 1 \
            when it would be answered invalid_request or forbidden (for portals' CI pipelines).
            """
    )

    @Option(help: "The portal whose request topic the message would be written to.")
    var portal: String?

    @Flag(help: "Exit 1 for invalid_request and forbidden answers too, not only for dead letters.")
    var strict = false

    @OptionGroup var configOption: ConfigOption

    func run() async throws {
        try await exitingByKind {
            let (_, rules) = try GatewayConfiguration.load(path: configOption.path, checkingDeployment: false)
            let input = Array(FileHandle.standardInput.readDataToEndOfFile())
            guard let portalId = portal ?? ContractRules.claimedPortalId(in: input) else {
                throw ValidationError("name the portal with --portal (the request has no `portal` field)")
            }
            let decision = rules.decide(portalId: portalId, value: input, receivedAt: Date())
            FileHandle.standardOutput.write(Data(decision.jsonBytes() + [UInt8(ascii: "\n")]))
            if Self.fails(decision, strict: strict) { throw ExitCode(ExitStatus.checkFailed.rawValue) }
        }
    }

    static func fails(_ decision: RequestDecision, strict: Bool) -> Bool {
        switch decision {
        case .deadLetter: true
        case .answer(let outcome): strict && [.invalidRequest, .forbidden].contains(outcome.status)
        case .query: false
        }
    }
}
