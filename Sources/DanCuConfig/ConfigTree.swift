import Yams

/// The configuration as read from YAML and the environment, before it is given types.
/// Our own small tree rather than Yams' `Node` so that the decoder can tell where a value came from
/// (a comma-separated environment variable stands for a list) and report unknown keys.
indirect enum ConfigTree: Sendable {
    case scalar(String, origin: Origin)
    case null
    case mapping([(key: String, value: ConfigTree)])
    case sequence([ConfigTree])

    enum Origin: Sendable {
        case file
        case environment(name: String)
    }

    init(yaml: String) throws(ConfigurationError) {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigurationError(key: "(file)", message: "not valid YAML: \(error)")
        }
        self = try node.map { node throws(ConfigurationError) in try ConfigTree(node: node, path: "") } ?? .mapping([])
    }

    private init(node: Node, path: String) throws(ConfigurationError) {
        switch node {
        case .scalar(let scalar):
            let isPlainNull = scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
            self = isPlainNull ? .null : .scalar(scalar.string, origin: .file)
        case .mapping(let mapping):
            var entries: [(key: String, value: ConfigTree)] = []
            for (keyNode, valueNode) in mapping {
                guard let key = keyNode.string else {
                    throw ConfigurationError(key: path.isEmpty ? "(file)" : path, message: "keys must be plain strings")
                }
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                if entries.contains(where: { $0.key == key }) {
                    throw ConfigurationError(key: childPath, message: "the key is given twice")
                }
                entries.append((key, try ConfigTree(node: valueNode, path: childPath)))
            }
            self = .mapping(entries)
        case .sequence(let sequence):
            var elements: [ConfigTree] = []
            for (index, element) in sequence.enumerated() {
                elements.append(try ConfigTree(node: element, path: "\(path)[\(index)]"))
            }
            self = .sequence(elements)
        case .alias:
            throw ConfigurationError(key: path.isEmpty ? "(file)" : path, message: "YAML aliases are not supported")
        }
    }

    func child(_ key: String) -> ConfigTree? {
        guard case .mapping(let entries) = self else { return nil }
        return entries.first(where: { $0.key == key })?.value
    }

    var kindDescription: String {
        switch self {
        case .scalar(let text, _): "'\(text)'"
        case .null: "null"
        case .mapping: "a mapping"
        case .sequence: "a list"
        }
    }
}
