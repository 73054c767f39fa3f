import DanCuContract
import Foundation
import SyntheticPopulation

/// What `dancu-load generate` (and the demo) sends: how many requests, how fast, and what kind.
public struct LoadProfile: Sendable, Hashable {
    /// Portal ids to send as; each must be configured in the contract rules.
    public var portals: [String]
    /// How many requests to send in all.
    public var count: Int
    /// Requests per second, kept open-loop: send times follow the schedule, not the answers.
    public var rate: Double
    /// Shares of `verify` / `lookup` / `link`, among the types each portal may send.
    public var mix: WeightedMix<RequestType>
    public var channels: WeightedMix<Channel>
    /// Share of requests about a citizen asked about before (cache hits).
    public var repeatShare: Double
    /// Share with wrong data: wrong date of birth, wrong name, unknown ID, contradictory CCCD digits.
    public var wrongShare: Double
    /// Share of malformed requests (`invalid_request`).
    public var invalidShare: Double
    /// Share of requests the portal may not make (`forbidden`).
    public var forbiddenShare: Double
    /// Seed and size of the synthetic population the population database serves.
    public var seed: UInt64
    public var citizens: Int
    /// How long to wait for outstanding outcomes after the last send.
    public var drainTimeout: Duration

    /// The three provinces of the source documents.
    public static let sourceDocumentPortals = ["angiang", "haiphong", "phutho"]

    public init(
        portals: [String] = sourceDocumentPortals,
        count: Int = 2000,
        rate: Double = 200,
        mix: WeightedMix<RequestType> = .init([(.verify, 60), (.lookup, 30), (.link, 10)]),
        channels: WeightedMix<Channel> = .init([(.counter, 20), (.online, 50), (.batch, 30)]),
        repeatShare: Double = 0.3,
        wrongShare: Double = 0.1,
        invalidShare: Double = 0.02,
        forbiddenShare: Double = 0.02,
        seed: UInt64 = 1,
        citizens: Int = 100_000,
        drainTimeout: Duration = .seconds(30)
    ) {
        self.portals = portals
        self.count = count
        self.rate = rate
        self.mix = mix
        self.channels = channels
        self.repeatShare = repeatShare
        self.wrongShare = wrongShare
        self.invalidShare = invalidShare
        self.forbiddenShare = forbiddenShare
        self.seed = seed
        self.citizens = citizens
        self.drainTimeout = drainTimeout
    }

    /// Every problem of the profile against `rules`, so a run never starts half-configured.
    public func problems(against rules: ContractRules) -> [String] {
        var problems: [String] = []
        if portals.isEmpty { problems.append("portals: name at least one portal") }
        for portal in portals where rules.portal(withId: portal) == nil {
            problems.append("portals: '\(portal)' is not a configured portal")
        }
        if count < 1 { problems.append("count: must be positive") }
        if !(rate > 0 && rate.isFinite) { problems.append("rate: must be a positive number of requests per second") }
        for (name, share) in [
            ("repeat", repeatShare), ("wrong", wrongShare), ("invalid", invalidShare), ("forbidden", forbiddenShare),
        ] where !(0...1).contains(share) {
            problems.append("\(name): must be a share between 0 and 1")
        }
        if wrongShare + invalidShare + forbiddenShare > 1 {
            problems.append("wrong + invalid + forbidden: must not exceed 1")
        }
        if !(1...SyntheticPopulation.maximumSize).contains(citizens) {
            problems.append("citizens: must be between 1 and \(SyntheticPopulation.maximumSize)")
        }
        if drainTimeout < .zero { problems.append("drainTimeout: must not be negative") }
        return problems
    }
}

/// Named weights such as `verify=60,lookup=30,link=10`; draws pick a value in proportion.
public struct WeightedMix<Value: Hashable & Sendable & RawRepresentable>: Sendable, Hashable
where Value.RawValue == String {
    public struct Entry: Sendable, Hashable {
        public var value: Value
        public var weight: Int
    }

    public let entries: [Entry]

    public init(_ entries: [(Value, Int)]) {
        self.entries = entries.map { Entry(value: $0.0, weight: $0.1) }
    }

    /// Parses `name=weight,name=weight`; every name must be a known value, weights non-negative, one positive.
    public init(parsing text: String) throws(LoadProfileError) {
        var entries: [(Value, Int)] = []
        for part in text.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, let value = Value(rawValue: pair[0]), let weight = Int(pair[1]), weight >= 0 else {
                throw LoadProfileError(
                    "'\(part)' is not name=weight with a known name and a non-negative whole weight"
                )
            }
            guard !entries.contains(where: { $0.0 == value }) else {
                throw LoadProfileError("'\(pair[0])' is given twice")
            }
            entries.append((value, weight))
        }
        guard entries.contains(where: { $0.1 > 0 }) else {
            throw LoadProfileError("'\(text)' gives no positive weight")
        }
        self.init(entries)
    }

    /// The value whose cumulative share contains `unit` (in `0..<1`), among those `allowed` accepts;
    /// `nil` when no allowed value has weight.
    public func pick(_ unit: Double, allowed: (Value) -> Bool = { _ in true }) -> Value? {
        let candidates = entries.filter { $0.weight > 0 && allowed($0.value) }
        let total = candidates.reduce(0) { $0 + $1.weight }
        guard total > 0 else { return nil }
        var remaining = unit * Double(total)
        for entry in candidates {
            remaining -= Double(entry.weight)
            if remaining < 0 { return entry.value }
        }
        return candidates.last?.value
    }

    /// `verify=60,lookup=30,link=10`: the form `init(parsing:)` reads.
    public var text: String {
        entries.map { "\($0.value.rawValue)=\($0.weight)" }.joined(separator: ",")
    }
}

/// A load profile or its command line cannot be used as given.
public struct LoadProfileError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String

    init(_ description: String) { self.description = description }
}
