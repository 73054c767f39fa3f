import DanCuConfig
import Testing

@testable import Operations

/// The three sections as the gateway's root configuration would hold them.
private struct Sections: Decodable {
    var admin: AdminConfiguration
    var log: LogConfiguration
    var audit: AuditConfiguration

    private enum CodingKeys: String, CodingKey { case admin, log, audit }

    init(from decoder: any Decoder) throws {
        let section = try ConfigSection(decoder, keys: CodingKeys.self)
        admin = section.value(.admin, default: AdminConfiguration())
        log = section.value(.log, default: LogConfiguration())
        audit = section.value(.audit, default: AuditConfiguration())
    }
}

@Suite("Operations configuration")
struct ConfigurationTests {
    @Test("an empty file gives the documented defaults")
    func defaults() throws {
        let sections = try ConfigurationLoader.load(Sections.self, yaml: "", environment: [:])
        #expect(sections.admin == AdminConfiguration(host: "127.0.0.1", port: 8080))
        #expect(sections.log == LogConfiguration(level: .info, format: .human))
        #expect(sections.audit.topic == "dancu.audit")
        #expect(sections.audit.secret == nil)
    }

    @Test("values from the file and the environment are read")
    func values() throws {
        let yaml = """
            admin: {host: 0.0.0.0, port: 0}
            log: {level: debug, format: json}
            audit: {topic: audit.v2}
            """
        let secret = String(repeating: "s", count: 40)
        let sections = try ConfigurationLoader.load(
            Sections.self,
            yaml: yaml,
            environment: ["DANCU_AUDIT_SECRET": secret]
        )
        #expect(sections.admin == AdminConfiguration(host: "0.0.0.0", port: 0))
        #expect(sections.log == LogConfiguration(level: .debug, format: .json))
        #expect(sections.audit.topic == "audit.v2")
        #expect(sections.audit.secret?.value == secret)
        #expect("\(sections.audit.secret as Any)".contains(secret) == false)
    }

    @Test("every bad value is reported at once, by key")
    func problems() {
        let yaml = """
            admin: {host: "", port: 70000}
            log: {level: loud, format: xml}
            audit: {topic: "", secret: short}
            """
        #expect {
            try ConfigurationLoader.load(Sections.self, yaml: yaml, environment: [:])
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            let keys = Set(error.issues.map(\.key))
            return keys == ["admin.host", "admin.port", "log.level", "log.format", "audit.topic", "audit.secret"]
        }
    }
}
