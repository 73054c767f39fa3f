import Foundation

/// Loads a configuration type from a YAML document plus environment overrides.
///
/// Every key can be overridden by an environment variable named after its path: `kafka.bootstrapServers`
/// by `DANCU_KAFKA_BOOTSTRAP_SERVERS`, `portals[0].weight` by `DANCU_PORTALS_0_WEIGHT`; lists are written
/// comma-separated. Keys no configuration type asks for are reported as unknown, and so are
/// variables that start like a known section but name no key.
public enum ConfigurationLoader {
    public static let defaultEnvironmentPrefix = "DANCU_"

    public static func load<Configuration: Decodable>(
        _ type: Configuration.Type,
        yaml: String,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        environmentPrefix: String = defaultEnvironmentPrefix
    ) throws(ConfigurationError) -> Configuration {
        let tree = try ConfigTree(yaml: yaml)
        guard case .mapping = tree else {
            throw ConfigurationError(key: "(file)", message: "the top level must be a mapping of sections")
        }
        let session = DecodingSession(environment: environment, environmentPrefix: environmentPrefix)
        let configuration: Configuration
        do {
            configuration = try Configuration(from: ConfigDecoder(tree: tree, session: session, codingPath: []))
        } catch {
            throw ConfigurationError(key: "(file)", message: "\(error)")
        }
        let unknown =
            unknownKeys(in: tree, path: "", asked: session.askedPaths)
            + unknownVariables(session: session)
        let issues = session.issues + unknown
        guard issues.isEmpty else { throw ConfigurationError(issues: issues) }
        return configuration
    }

    /// Reads the file at `path` (or an empty document when `path` is nil) and loads it.
    public static func load<Configuration: Decodable>(
        _ type: Configuration.Type,
        path: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        environmentPrefix: String = defaultEnvironmentPrefix
    ) throws(ConfigurationError) -> Configuration {
        var yaml = ""
        if let path {
            do {
                yaml = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw ConfigurationError(
                    key: path,
                    message: "cannot read the configuration file: \(error.localizedDescription)"
                )
            }
        }
        return try load(type, yaml: yaml, environment: environment, environmentPrefix: environmentPrefix)
    }

    /// Keys in the file that no configuration type asked for; only the outermost unknown key of a subtree is named.
    private static func unknownKeys(in tree: ConfigTree, path: String, asked: Set<String>) -> [ConfigurationError.Issue]
    {
        switch tree {
        case .mapping(let entries):
            return entries.flatMap { entry -> [ConfigurationError.Issue] in
                let childPath = path.isEmpty ? entry.key : "\(path).\(entry.key)"
                guard asked.contains(childPath) else {
                    return [.init(key: childPath, message: "unknown key")]
                }
                return unknownKeys(in: entry.value, path: childPath, asked: asked)
            }
        case .sequence(let elements):
            return elements.enumerated().flatMap { index, element in
                unknownKeys(in: element, path: "\(path)[\(index)]", asked: asked)
            }
        case .scalar, .null:
            return []
        }
    }

    /// `DANCU_KAFKA_BOOTSTRAP_SERVER` (a typo) is reported because `kafka` is a section; variables whose
    /// first word is no section (`DANCU_WARNINGS_AS_ERRORS`, read by the build) are left alone.
    private static func unknownVariables(session: DecodingSession) -> [ConfigurationError.Issue] {
        let prefix = session.environmentPrefix
        let knownNames = Set(
            session.askedPaths.map { path in
                prefix
                    + path.replacingOccurrences(of: "[", with: ".").replacingOccurrences(of: "]", with: "")
                    .split(separator: ".").map { DecodingSession.upperSnake(String($0)) }.joined(separator: "_")
            }
        )
        let sections = Set(
            session.askedPaths.filter { !$0.contains(".") && !$0.contains("[") }
                .map { prefix + DecodingSession.upperSnake($0) + "_" }
        )
        return session.environment.keys.sorted().compactMap { name in
            guard name.hasPrefix(prefix), !knownNames.contains(name),
                sections.contains(where: { name.hasPrefix($0) }) || sections.contains(name + "_")
            else { return nil }
            return .init(key: name, message: "environment variable names no configuration key")
        }
    }
}
