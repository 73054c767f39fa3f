import Foundation

/// The contract's rules for one configuration: which topic is which portal, and what each
/// message gets. Built once at start; `decide` is pure and cheap, safe to call from any task.
public struct ContractRules: Sendable {
    public let portals: [PortalConfiguration]
    public let procedures: [ProcedureConfiguration]
    public let policy: RequestPolicy
    public let settings: ContractSettings
    private let portalsByRequestTopic: [String: PortalConfiguration]
    private let portalsById: [String: PortalConfiguration]
    private let proceduresByCode: [String: ProcedureConfiguration]

    /// Checks the configuration as a whole and reports every inconsistency at once.
    public init(
        portals: [PortalConfiguration],
        procedures: [ProcedureConfiguration],
        policy: RequestPolicy,
        settings: ContractSettings = ContractSettings()
    ) throws(ContractConfigurationError) {
        var problems: [String] = []
        var portalsById: [String: PortalConfiguration] = [:]
        for (index, portal) in portals.enumerated() {
            let path = "portals[\(index)]"
            if !PortalConfiguration.isValidId(portal.id) {
                problems.append("\(path).id: '\(portal.id)' must be 1-32 lowercase ASCII letters and digits")
            } else if portalsById[portal.id] != nil {
                problems.append("\(path).id: '\(portal.id)' is listed twice")
            }
            if portal.weight < 1 {
                problems.append("\(path).weight: must be a positive integer")
            }
            if portal.requestTypes.isEmpty {
                problems.append("\(path).requestTypes: must not be empty")
            }
            portalsById[portal.id] = portalsById[portal.id] ?? portal
        }
        var proceduresByCode: [String: ProcedureConfiguration] = [:]
        for (index, procedure) in procedures.enumerated() {
            let path = "procedures[\(index)]"
            if !ProcedureConfiguration.isValidCode(procedure.code) {
                problems.append("\(path).code: '\(procedure.code)' must be 1-64 characters of A-Z a-z 0-9 . _ -")
            } else if proceduresByCode[procedure.code] != nil {
                problems.append("\(path).code: '\(procedure.code)' is listed twice")
            }
            if procedure.fields.isEmpty {
                problems.append("\(path).fields: must list at least one field")
            }
            proceduresByCode[procedure.code] = proceduresByCode[procedure.code] ?? procedure
        }
        if let cleanup = settings.cmndCleanupProcedure {
            if proceduresByCode[cleanup] == nil {
                problems.append("contract.cmndCleanupProcedure: '\(cleanup)' is not a configured procedure")
            } else if proceduresByCode[cleanup]?.fields.contains(.idNumber) != true {
                problems.append("contract.cmndCleanupProcedure: procedure \(cleanup) must allow idNumber")
            }
        }
        let topics = policy.topics
        for text in [topics.requestPrefix, topics.outcomePrefix, topics.deadLetter]
        where !TopicNames.isValidTopicText(text) {
            problems.append("requests.topics: '\(text)' must be 1-200 characters of a-z A-Z 0-9 . _ -")
        }
        if topics.requestPrefix == topics.outcomePrefix {
            problems.append("requests.topics.outcomePrefix: must differ from requestPrefix")
        }
        if topics.deadLetter.hasPrefix(topics.requestPrefix) || topics.deadLetter.hasPrefix(topics.outcomePrefix) {
            problems.append("requests.topics.deadLetter: must not start with a request or outcome prefix")
        }
        if policy.maxMessageBytes < 1 {
            problems.append("requests.maxMessageBytes: must be positive")
        }
        for channel in Channel.allCases where policy.deadlines[channel].duration <= .zero {
            problems.append("requests.deadlines.\(channel.rawValue): must be positive")
        }
        guard problems.isEmpty else { throw ContractConfigurationError(problems: problems) }

        self.portals = portals
        self.procedures = procedures
        self.policy = policy
        self.settings = settings
        self.portalsById = portalsById
        self.proceduresByCode = proceduresByCode
        portalsByRequestTopic = Dictionary(
            uniqueKeysWithValues: portalsById.values.map { (topics.requestPrefix + $0.id, $0) }
        )
    }

    public func portal(forRequestTopic topic: String) -> PortalConfiguration? {
        portalsByRequestTopic[topic]
    }

    public func portal(withId id: String) -> PortalConfiguration? {
        portalsById[id]
    }

    public func requestTopic(for portal: PortalConfiguration) -> String {
        policy.topics.requestPrefix + portal.id
    }

    public func outcomeTopic(for portal: PortalConfiguration) -> String {
        outcomeTopic(forPortalId: portal.id)
    }

    /// For a portal id taken from a decision, which names configured portals only.
    public func outcomeTopic(forPortalId id: String) -> String {
        policy.topics.outcomePrefix + id
    }

    /// Every configured portal's request topic, for the consumer's subscription.
    public var requestTopics: [String] { portals.map(requestTopic(for:)) }

    public var deadLetterTopic: String { policy.topics.deadLetter }

    /// The procedure a lookup for `code` is checked against: its own entry, else `default`.
    public func procedure(forCode code: String) -> ProcedureConfiguration? {
        proceduresByCode[code] ?? proceduresByCode[ProcedureConfiguration.defaultCode]
    }

    /// Everything validation alone decides for a message read from `topic`. The message's key and headers
    /// (`keyAndHeadersBytes`) count toward `requests.maxMessageBytes` with its value.
    public func decide(
        topic: String,
        value: [UInt8],
        keyAndHeadersBytes: Int = 0,
        receivedAt: Date
    ) -> RequestDecision {
        guard let portal = portal(forRequestTopic: topic) else {
            return .deadLetter(.unknownPortal(topic: topic))
        }
        return decide(portal: portal, value: value, keyAndHeadersBytes: keyAndHeadersBytes, receivedAt: receivedAt)
    }

    /// As `decide(topic:…)` for the request topic of portal `portalId` (for `dancu-gateway validate`).
    public func decide(portalId: String, value: [UInt8], receivedAt: Date) -> RequestDecision {
        guard let portal = portal(withId: portalId) else {
            return .deadLetter(.unknownPortal(topic: policy.topics.requestPrefix + portalId))
        }
        return decide(portal: portal, value: value, receivedAt: receivedAt)
    }

    /// The `portal` field a message claims, for `dancu-gateway validate` run without `--portal`.
    /// Never an identity in the pipeline: there the topic decides.
    public static func claimedPortalId(in value: [UInt8]) -> String? {
        guard case .success(let parsed) = RequestParser.parse(value) else { return nil }
        return parsed.object[RequestKey.portal]?.string
    }

    private func decide(
        portal: PortalConfiguration,
        value: [UInt8],
        keyAndHeadersBytes: Int = 0,
        receivedAt: Date
    ) -> RequestDecision {
        guard keyAndHeadersBytes <= policy.maxMessageBytes, value.count <= policy.maxMessageBytes - keyAndHeadersBytes
        else {
            return .deadLetter(.tooLarge(limit: policy.maxMessageBytes))
        }
        let parsed: RequestParser.Parsed
        switch RequestParser.parse(value) {
        case .failure(let reason): return .deadLetter(reason)
        case .success(let object): parsed = object
        }
        var reader = RequestReader(rules: self, portal: portal, receivedAt: receivedAt)
        return reader.decide(parsed)
    }
}

/// The configuration contradicts itself; `problems` name every offending key.
public struct ContractConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public let problems: [String]

    public var description: String {
        "invalid contract configuration:\n" + problems.map { "  \($0)" }.joined(separator: "\n")
    }
}
