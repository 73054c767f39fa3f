import DanCuConfig
import Foundation

/// The contract sections (`contract`, `portals`, `procedures`, `requests`) of a configuration file, and the
/// `embedded` section's synthetic population, read the gateway's way, so that `dancu-load` knows what the
/// gateway it tests will answer, and about whom. Other top-level sections are not the tools' business and
/// are skipped.
public enum ContractFile {
    public static let sectionNames: Set<String> = ["contract", "portals", "procedures", "requests", "embedded"]

    public static func rules(
        path: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ContractRules {
        let sections = try self.sections(path: path, environment: environment)
        return try ContractRules(
            portals: sections.portals,
            procedures: procedures(listed: sections.procedures, settings: sections.contract, configurationPath: path),
            policy: sections.requests,
            settings: sections.contract
        )
    }

    /// The sections of the file at `path`, the environment's `DANCU_*` overrides applied.
    public static func sections(
        path: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> Sections {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(
                key: path,
                message: "cannot read the configuration file: \(error.localizedDescription)"
            )
        }
        return try sections(yaml: text, environment: environment)
    }

    /// The `procedures` list and, after it, the catalogue file the settings name (a relative path is read
    /// from the folder of the configuration file at `configurationPath`, or the working directory).
    public static func procedures(
        listed: [ProcedureConfiguration],
        settings: ContractSettings,
        configurationPath: String?
    ) throws(ConfigurationError) -> [ProcedureConfiguration] {
        guard let file = settings.procedureCatalogue else { return listed }
        let folder = configurationPath.map { URL(filePath: $0).deletingLastPathComponent() }
        let path = file.hasPrefix("/") ? file : folder.map { $0.appending(path: file).path } ?? file
        let catalogue = try ProcedureCatalogue.load(path: path)
        let listedCodes = Set(listed.map(\.code))
        let doubled = catalogue.map(\.code).filter(listedCodes.contains)
        guard doubled.isEmpty else {
            throw ConfigurationError(
                issues: doubled.map {
                    .init(key: ProcedureCatalogue.key, message: "\($0) is listed both in procedures and in \(file)")
                }
            )
        }
        return listed + catalogue
    }

    /// The block-style top-level sections named in `sectionNames`, with everything else dropped.
    public static func contractSections(of yaml: String) -> String {
        var keeping = false
        var kept: [Substring] = []
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if let first = line.first, !first.isWhitespace, first != "#" {
                let key = line.prefix { $0 != ":" }.trimmingCharacters(in: .whitespaces)
                keeping = sectionNames.contains(key)
            }
            if keeping { kept.append(line) }
        }
        return kept.isEmpty ? "{}" : kept.joined(separator: "\n")
    }

    /// The contract sections of a whole gateway.yaml (other top-level sections are skipped).
    public static func sections(yaml: String, environment: [String: String]) throws(ConfigurationError) -> Sections {
        try ConfigurationLoader.load(Sections.self, yaml: contractSections(of: yaml), environment: environment)
    }

    public struct Sections: Decodable, Sendable {
        public var portals: [PortalConfiguration]
        public var procedures: [ProcedureConfiguration]
        public var requests: RequestPolicy
        public var contract: ContractSettings
        /// The simulator's population in development mode: the load tool generates citizens of the same one.
        public var embedded: EmbeddedConfiguration

        private enum CodingKeys: String, CodingKey {
            case contract, portals, procedures, requests, embedded
        }

        public init(from decoder: any Decoder) throws {
            let section = try ConfigSection(decoder, keys: CodingKeys.self)
            portals = section.value(.portals, default: [])
            procedures = section.value(.procedures, default: [])
            requests = section.value(.requests, default: RequestPolicy())
            embedded = section.value(.embedded, default: EmbeddedConfiguration())
            contract = section.value(.contract, default: ContractSettings())
        }
    }
}
