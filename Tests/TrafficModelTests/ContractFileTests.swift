import DanCuConfig
import DanCuContract
import Foundation
import Testing

@testable import TrafficModel

@Suite struct ContractFileTests {
    @Test func readsTheShippedPortalsFile() throws {
        let rules = try Fixture.rules()
        #expect(rules.portals.map(\.id) == ["angiang", "haiphong", "phutho"])
        #expect(rules.portal(withId: "angiang")?.requestTypes == [.verify, .lookup, .link])
        #expect(rules.procedure(forCode: "1.001193")?.fields.contains(.currentAddress) == true)
        #expect(rules.procedure(forCode: "9.999999") == nil)
    }

    @Test func keepsOnlyTheContractSections() {
        let yaml = """
            # the gateway's own settings
            kafka:
              bootstrapServers: [localhost:9092]
            portals:
              - id: angiang
                requestTypes: [verify]
            populationDb:
              url: http://localhost:8080
            requests:
              maxMessageBytes: 2048
            """
        #expect(
            ContractFile.contractSections(of: yaml)
                == "portals:\n  - id: angiang\n    requestTypes: [verify]\nrequests:\n  maxMessageBytes: 2048"
        )
    }

    @Test func reportsProblemsOfTheContractSectionsWithTheirKeys() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(uniqueName("contract-") + ".yaml").path
        try "kafka:\n  anything: 1\nportals:\n  - id: angiang\n    weight: 0\nprocedures: []\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            try ContractFile.rules(path: path, environment: [:])
        } throws: { error in
            (error as? ConfigurationError)?.issues.map(\.key) == ["portals[0].weight"]
        }
    }
}
