import DanCuConfig
import DanCuContract
import Foundation
import Testing

/// Shared inputs: a fixed clock, a small configuration, and request builders.
enum Fixture {
    /// 2024-05-20 08:30 in Vietnam.
    static let receivedAt = Date(timeIntervalSince1970: 1_716_168_600)

    static let portals = [
        PortalConfiguration(
            id: "angiang",
            displayName: "An Giang",
            weight: 2,
            requestTypes: [.verify, .lookup, .link]
        ),
        PortalConfiguration(id: "phutho", displayName: "Phú Thọ", requestTypes: [.verify]),
    ]

    static let birthRegistration = ProcedureConfiguration(
        code: "1.001193",
        name: "Đăng ký khai sinh",
        fields: [.fullName, .idNumber, .dateOfBirth, .ethnicity, .permanentAddress]
    )

    static let fallback = ProcedureConfiguration(
        code: ProcedureConfiguration.defaultCode,
        name: "Thủ tục chưa khai báo",
        fields: [.fullName, .idNumber, .dateOfBirth]
    )

    /// The VNeID account clean-up: lookups by CMND that may learn the CCCD.
    static let cleanup = ProcedureConfiguration(
        code: "VNEID-LAMSACH",
        name: "Làm sạch tài khoản",
        fields: [.idNumber, .legacyIdNumber]
    )

    static let cleanupSettings = ContractSettings(names: NameSettings(), cmndCleanupProcedure: cleanup.code)

    static func rules(
        procedures: [ProcedureConfiguration] = [birthRegistration, fallback],
        settings: ContractSettings = ContractSettings()
    ) throws -> ContractRules {
        try ContractRules(portals: portals, procedures: procedures, policy: RequestPolicy(), settings: settings)
    }

    static var citizen: [String: Any] {
        ["fullName": "Trần Quang Khương", "idNumber": "089090001234", "dateOfBirth": "20/04/1990"]
    }

    static var verify: [String: Any] { ["requestId": "ag-1", "type": "verify", "citizen": citizen] }

    static var lookup: [String: Any] {
        ["requestId": "ag-2", "type": "lookup", "procedureCode": "1.001193", "citizen": citizen]
    }

    static var link: [String: Any] {
        ["requestId": "ag-3", "type": "link", "legacyIdNumber": "351234567", "citizen": citizen]
    }

    /// `base` with `changes` applied and the keys in `removing` dropped.
    static func json(_ base: [String: Any], _ changes: [String: Any] = [:], removing: [String] = []) -> [UInt8] {
        var object = base.merging(changes) { $1 }
        for key in removing { object[key] = nil }
        return (try? Array(JSONSerialization.data(withJSONObject: object))) ?? []
    }

    /// `base` with citizen fields changed (`nil` in `citizen` removes that field).
    static func json(_ base: [String: Any], citizen changes: [String: String?]) -> [UInt8] {
        var citizen = (base["citizen"] as? [String: Any]) ?? [:]
        for (key, value) in changes { citizen[key] = value }
        return json(base, ["citizen": citizen])
    }

    static let angiang = "dancu.requests.angiang"
}

extension RequestDecision {
    var outcome: Outcome? {
        if case .answer(let outcome) = self { outcome } else { nil }
    }

    var request: ValidatedRequest? {
        if case .query(let request) = self { request } else { nil }
    }

    var deadLetterReason: DeadLetterReason? {
        if case .deadLetter(let reason) = self { reason } else { nil }
    }
}

extension Outcome {
    var errorCodes: [String] { errors.map { "\($0.field):\($0.code)" } }
}

/// The three top-level sections this target owns, read from a whole gateway.yaml as the tools read them.
typealias ContractSections = ContractFile.Sections

extension ContractFile.Sections {
    static func load(_ yaml: String) throws(ConfigurationError) -> Self {
        try ContractFile.sections(yaml: yaml, environment: [:])
    }
}
