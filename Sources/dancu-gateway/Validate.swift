import ArgumentParser
import DanCuContract
import Foundation
import Gateway

struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read one request (JSON) from stdin and print what validation alone decides: the normalised request, the outcome, or the dead-letter reason.",
        discussion: "Without --portal, the request's own `portal` field names the portal. Exits 0 when the request would be sent to the population database or answered, 1 when it would be dead-lettered."
    )

    @Option(help: "The portal whose request topic the message would be written to.")
    var portal: String?

    @OptionGroup var configOption: ConfigOption

    func run() async throws {
        let (_, rules) = try loadConfiguration(configOption)
        let input = Array(FileHandle.standardInput.readDataToEndOfFile())
        guard let portalId = portal ?? ContractRules.claimedPortalId(in: input) else {
            throw ValidationError("name the portal with --portal (the request has no `portal` field)")
        }
        let decision = rules.decide(portalId: portalId, value: input, receivedAt: Date())
        FileHandle.standardOutput.write(Data(decision.jsonBytes() + [UInt8(ascii: "\n")]))
        if case .deadLetter = decision { throw ExitCode(1) }
    }
}
