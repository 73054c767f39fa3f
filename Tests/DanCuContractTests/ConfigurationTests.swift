import DanCuConfig
import DanCuContract
import Foundation
import Testing

@Suite struct ConfigurationTests {
    static let shippedFile = URL(filePath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appending(path: "Config/gateway.yaml")

    @Test func shippedConfigurationLoadsAndIsConsistent() throws {
        let sections = try ContractSections.load(String(contentsOf: Self.shippedFile, encoding: .utf8))
        let rules = try ContractRules(
            portals: sections.portals,
            procedures: sections.procedures,
            policy: sections.requests,
            settings: sections.contract
        )
        #expect(rules.portals.map(\.id) == ["angiang", "haiphong", "phutho"])
        #expect(rules.portals.map(\.displayName) == ["An Giang", "Hải Phòng", "Phú Thọ"])
        #expect(rules.requestTopics == ["dancu.requests.angiang", "dancu.requests.haiphong", "dancu.requests.phutho"])
        #expect(
            rules.portal(forRequestTopic: "dancu.requests.haiphong").map(rules.outcomeTopic(for:))
                == "dancu.outcomes.haiphong"
        )
        #expect(rules.deadLetterTopic == "dancu.deadletter")
        #expect(rules.procedure(forCode: "unlisted") == nil, "no procedure receives data by default")
        #expect(sections.requests == RequestPolicy(), "the file spells out the defaults")
        #expect(sections.procedures.count >= 4)
    }

    /// The shipped file keeps no catch-all: a procedure nobody configured receives nothing.
    @Test func shippedConfigurationRefusesUnlistedProcedures() throws {
        let sections = try ContractSections.load(String(contentsOf: Self.shippedFile, encoding: .utf8))
        let rules = try ContractRules(
            portals: sections.portals,
            procedures: sections.procedures,
            policy: sections.requests,
            settings: sections.contract
        )
        #expect(!sections.procedures.contains { $0.code == ProcedureConfiguration.defaultCode })
        let outcome = try #require(
            rules.decide(
                topic: Fixture.angiang,
                value: Fixture.json(Fixture.lookup, ["procedureCode": "9.999999"]),
                receivedAt: Fixture.receivedAt
            ).outcome
        )
        #expect(outcome.status == .forbidden)
        #expect(outcome.errorCodes == ["procedureCode:procedure_not_configured"])
    }

    @Test func defaultsApplyWhenKeysAreAbsent() throws {
        let sections = try ContractSections.load(
            """
            portals:
              - id: angiang
            procedures:
              - code: default
                fields: [fullName]
            """
        )
        let portal = try #require(sections.portals.first)
        #expect(
            portal == PortalConfiguration(id: "angiang", displayName: "angiang", weight: 1, requestTypes: [.verify])
        )
        #expect(sections.requests.maxMessageBytes == 65_536)
        #expect(sections.requests.deadlines[.counter] == .seconds(30))
        #expect(sections.requests.deadlines[.online] == .seconds(60))
        #expect(sections.requests.deadlines[.batch] == .seconds(86_400))
        #expect(sections.requests.topics == TopicNames())
    }

    @Test func everyBadValueIsReportedWithItsKeyPath() {
        let yaml = """
            portals:
              - id: An Giang
                weight: 0
                requestTypes: [verify, update]
              - displayName: Hải Phòng
            procedures:
              - code: "1.001193"
                fields: [fullName, shoeSize]
              - code: "2.000488"
            requests:
              maxMessageBytes: 10
              deadlines: {counter: soon, online: 0s}
              topics: {requestPrefix: "dancu requests", outcomePrefix: dancu.outcomes.}
            """
        #expect {
            try ContractSections.load(yaml)
        } throws: { error in
            let keys = Set(((error as? ConfigurationError)?.issues ?? []).map(\.key))
            return keys.isSuperset(of: [
                "portals[0].id", "portals[0].weight", "portals[1].id", "procedures[1].fields",
                "requests.maxMessageBytes", "requests.deadlines.counter", "requests.deadlines.online",
                "requests.topics.requestPrefix",
            ]) && keys.contains { $0.hasPrefix("portals[0].requestTypes") }
                && keys.contains { $0.hasPrefix("procedures[0].fields") }
        }
    }

    @Test func inconsistentConfigurationIsRefusedWithEveryProblem() {
        let portals = [
            PortalConfiguration(id: "angiang", displayName: "An Giang", requestTypes: [.verify]),
            PortalConfiguration(id: "angiang", displayName: "An Giang 2", requestTypes: [.verify]),
            PortalConfiguration(id: "Hai-Phong", displayName: "Hải Phòng", weight: 0, requestTypes: []),
        ]
        let procedures = [
            ProcedureConfiguration(code: "1.001193", name: "", fields: [.fullName]),
            ProcedureConfiguration(code: "1.001193", name: "", fields: []),
        ]
        var policy = RequestPolicy()
        policy.topics.deadLetter = "dancu.requests.deadletter"
        #expect {
            try ContractRules(portals: portals, procedures: procedures, policy: policy)
        } throws: { error in
            let problems = (error as? ContractConfigurationError)?.problems ?? []
            let keys = problems.compactMap { $0.split(separator: ":").first.map(String.init) }
            return keys == [
                "portals[1].id", "portals[2].id", "portals[2].weight", "portals[2].requestTypes",
                "procedures[1].code", "procedures[1].fields", "requests.topics.deadLetter",
            ]
        }
    }
}
