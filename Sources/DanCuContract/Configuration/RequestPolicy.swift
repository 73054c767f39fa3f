import DanCuConfig

/// How requests are read (the top-level `requests:` section).
public struct RequestPolicy: Sendable, Hashable, Codable {
    /// Larger messages (key, headers and value together) become dead letters unread.
    /// Default: 65536
    public var maxMessageBytes: Int

    /// The largest `maxMessageBytes`: a dead letter copies up to this much of a message and adds headers of its
    /// own, and must stay under librdkafka's default `message.max.bytes` (1,000,000).
    public static let largestMaxMessageBytes = 900_000
    /// How long each channel waits when a request gives no `deadline`.
    /// Default: counter 30s, online 60s, batch 24h
    public var deadlines: ChannelDeadlines
    /// Topic names.
    /// Default: requests `dancu.requests.<portal>`, outcomes `dancu.outcomes.<portal>`, dead letters `dancu.deadletter`
    public var topics: TopicNames

    public init() {
        self.init(maxMessageBytes: 65_536, deadlines: ChannelDeadlines(), topics: TopicNames())
    }

    public init(maxMessageBytes: Int, deadlines: ChannelDeadlines, topics: TopicNames) {
        self.maxMessageBytes = maxMessageBytes
        self.deadlines = deadlines
        self.topics = topics
    }

    private enum CodingKeys: String, CodingKey {
        case maxMessageBytes, deadlines, topics
    }

    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(decoder, keys: CodingKeys.self)
        let defaults = Self()
        maxMessageBytes = section.value(
            .maxMessageBytes,
            default: defaults.maxMessageBytes,
            "must be between 1024 and \(Self.largestMaxMessageBytes)"
        ) { (1024...Self.largestMaxMessageBytes).contains($0) }
        deadlines = section.value(.deadlines, default: defaults.deadlines)
        topics = section.value(.topics, default: defaults.topics)
    }
}

/// The default deadline of each channel (`requests.deadlines`).
public struct ChannelDeadlines: Sendable, Hashable, Codable {
    /// A citizen is standing at the counter.
    /// Default: 30s
    public var counter: ConfigDuration
    /// A citizen or officer waits on the portal.
    /// Default: 60s
    public var online: ConfigDuration
    /// Bulk work; nobody waits.
    /// Default: 24h
    public var batch: ConfigDuration

    public init() {
        self.init(counter: .seconds(30), online: .seconds(60), batch: .seconds(24 * 3600))
    }

    public init(counter: ConfigDuration, online: ConfigDuration, batch: ConfigDuration) {
        self.counter = counter
        self.online = online
        self.batch = batch
    }

    public subscript(channel: Channel) -> ConfigDuration {
        switch channel {
        case .counter: counter
        case .online: online
        case .batch: batch
        }
    }

    private enum CodingKeys: String, CodingKey {
        case counter, online, batch
    }

    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(decoder, keys: CodingKeys.self)
        let defaults = Self()
        let isPositive: (ConfigDuration) -> Bool = { $0.duration > .zero }
        counter = section.value(.counter, default: defaults.counter, "must be positive", check: isPositive)
        online = section.value(.online, default: defaults.online, "must be positive", check: isPositive)
        batch = section.value(.batch, default: defaults.batch, "must be positive", check: isPositive)
    }
}

/// Topic names (`requests.topics`): the portal id is appended to the prefixes.
public struct TopicNames: Sendable, Hashable, Codable {
    /// Default: dancu.requests.
    public var requestPrefix: String
    /// Default: dancu.outcomes.
    public var outcomePrefix: String
    /// Default: dancu.deadletter
    public var deadLetter: String

    public init() {
        self.init(requestPrefix: "dancu.requests.", outcomePrefix: "dancu.outcomes.", deadLetter: "dancu.deadletter")
    }

    public init(requestPrefix: String, outcomePrefix: String, deadLetter: String) {
        self.requestPrefix = requestPrefix
        self.outcomePrefix = outcomePrefix
        self.deadLetter = deadLetter
    }

    private enum CodingKeys: String, CodingKey {
        case requestPrefix, outcomePrefix, deadLetter
    }

    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(decoder, keys: CodingKeys.self)
        let defaults = Self()
        let isTopicName: (String) -> Bool = TopicNames.isValidTopicText
        let requirement = "must be 1-200 characters of a-z A-Z 0-9 . _ -"
        requestPrefix = section.value(.requestPrefix, default: defaults.requestPrefix, requirement, check: isTopicName)
        outcomePrefix = section.value(.outcomePrefix, default: defaults.outcomePrefix, requirement, check: isTopicName)
        deadLetter = section.value(.deadLetter, default: defaults.deadLetter, requirement, check: isTopicName)
        if requestPrefix == outcomePrefix {
            section.report(.outcomePrefix, "must differ from requestPrefix")
        }
    }

    /// Kafka's legal topic characters, with room left for a portal id.
    static func isValidTopicText(_ text: String) -> Bool {
        (1...200).contains(text.utf8.count)
            && text.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                    true
                default:
                    false
                }
            }
    }
}
