import DanCuConfig
import DanCuContract
import Testing

@testable import Gateway

/// The `contract` section as the gateway loads it: a bad value stops the start with the key named.
@Suite struct ContractSettingsTests {
    @Test func tonePlacementIsReadAndCheckedByKey() throws {
        let (_, rules) = try GatewayConfiguration.load(
            path: ShippedConfiguration.path,
            environment: ["DANCU_CONTRACT_NAMES_TONE_PLACEMENT": "modern"]
        )
        #expect(rules.settings.names.tonePlacement == .modern)
        let error = #expect(throws: ConfigurationError.self) {
            try GatewayConfiguration.load(
                path: ShippedConfiguration.path,
                environment: ["DANCU_CONTRACT_NAMES_TONE_PLACEMENT": "new"]
            )
        }
        #expect(error?.issues.map(\.key) == ["contract.names.tonePlacement"])
    }

    /// The catalogue is read from the configuration file's folder; the shipped example repeats the shipped
    /// list, which the gateway refuses rather than letting one silently win.
    @Test func procedureCatalogueIsReadBesideTheConfiguration() {
        for (file, message) in [
            ("procedures.example.csv", "1.001193 is listed both in procedures and in procedures.example.csv"),
            ("no-such-file.csv", "cannot be read"),
        ] {
            let error = #expect(throws: ConfigurationError.self) {
                try GatewayConfiguration.load(
                    path: ShippedConfiguration.path,
                    environment: ["DANCU_CONTRACT_PROCEDURE_CATALOGUE": file]
                )
            }
            #expect(error?.issues.first?.key == "contract.procedureCatalogue")
            #expect(error?.issues.first?.message.contains(message) == true, "\(file)")
        }
    }
}
