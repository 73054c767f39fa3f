import DanCuContract
import Foundation
import SyntheticPopulation

/// One request of a run, with the outcome it must get.
public struct PlannedRequest: Sendable, Hashable {
    public var sequence: Int
    public var portal: String
    /// The channel drawn for the request (reported as sent, even when the variant spells it wrong).
    public var channel: String
    public var requestId: String
    public var value: [UInt8]
    public var expectation: Expectation
}

/// Draws requests from the synthetic population, each with its expectation.
///
/// Request `n` depends only on the profile, the run id and `n`, so the generator needs no state and
/// a run of millions costs no memory. The expectation comes from the contract's own rules
/// (`ContractRules.decide`) and the population record: what validation decides, the gateway must
/// answer; what needs the database, the generator knows because it chose whether the data match.
public struct TrafficGenerator: Sendable {
    public let profile: LoadProfile
    public let rules: ContractRules
    /// Prefix of every `requestId` of the run, so outcomes of earlier runs are told apart.
    public let runId: String
    public let population: SyntheticPopulation
    private let portals: [PortalConfiguration]
    private let today: Date

    public init(profile: LoadProfile, rules: ContractRules, runId: String, today: Date = Date()) {
        self.profile = profile
        self.rules = rules
        self.runId = runId
        self.today = today
        population = SyntheticPopulation(seed: profile.seed, size: profile.citizens)
        portals = profile.portals.compactMap(rules.portal(withId:))
    }

    public func request(_ sequence: Int) -> PlannedRequest {
        var draws = DrawSource(profile.seed, Tag.request, UInt64(sequence))
        let portal = portals[Int(draws.next() % UInt64(max(portals.count, 1)))]
        let channel = profile.channels.pick(draws.unit()) ?? .online
        var kind = drawKind(&draws, portal: portal)
        let requestId = "\(runId)-\(sequence)"
        var builder = RequestBuilder(requestId: requestId, channel: channel)
        var type = profile.mix.pick(draws.unit(), allowed: portal.requestTypes.contains) ?? .verify
        if kind == .wrongLegacyId { type = .link }
        if kind == .forbiddenField { type = .lookup }
        if kind == .typeNotAllowed {
            type = RequestType.allCases.first { !portal.requestTypes.contains($0) } ?? type
        }

        // Whether a link's name and date match is the database's business, not the contract's:
        // wrong link data is a CMND that is not the citizen's.
        if type == .link, kind == .wrongDateOfBirth || kind == .wrongName { kind = .wrongLegacyId }
        var index = citizenIndex(&draws, repeated: kind == .repeated)
        if type == .link {
            if let holder = legacyHolder(from: index) {
                index = holder
            } else {
                type = .verify
            }
        }
        if type != .link, kind == .wrongLegacyId { kind = .unknownId }
        let record = population.citizen(at: index)
        builder.type = type
        builder.fullName = Self.writtenAsPortalsDo(record.fullName, &draws)
        builder.idNumber = record.idNumber
        builder.dateOfBirth = Self.written(record.dateOfBirth, yearOnly: draws.chance(0.15), &draws)
        if type == .link { builder.legacyIdNumber = record.legacyIdNumber }
        if type == .lookup { chooseProcedure(&builder, &draws) }
        apply(kind, to: &builder, record: record, portal: portal, index: index, &draws)

        let value = builder.json()
        return PlannedRequest(
            sequence: sequence,
            portal: portal.id,
            channel: channel.rawValue,
            requestId: requestId,
            value: value,
            expectation: expectation(for: value, kind: kind, portal: portal.id, record: record)
        )
    }

    /// What the contract's rules and the population say `value`, sent by `portal`, must get.
    func expectation(for value: [UInt8], kind: RequestKind, portal: String, record: CitizenRecord) -> Expectation {
        switch rules.decide(portalId: portal, value: value, receivedAt: today) {
        case .deadLetter:
            return Expectation(kind: kind, status: nil, source: .gateway, allowsTransient: false)
        case .answer(let outcome):
            return Expectation(answeredByGateway: outcome, kind: kind)
        case .query(let request):
            let matches = kind == .correct || kind == .repeated
            let outcome =
                matches
                ? request.found(record, source: .populationDb, attempts: 1, completedAt: today)
                : request.notFound(source: .populationDb, attempts: 1, completedAt: today)
            return Expectation(
                kind: kind,
                status: outcome.status,
                source: .database,
                message: outcome.message,
                citizen: outcome.citizen,
                allowsTransient: true
            )
        }
    }

    // MARK: - Drawing

    private enum Tag {
        static let request: UInt64 = 0x5245_5155_4553_54
        static let hot: UInt64 = 0x484F_54
    }

    private func drawKind(_ draws: inout DrawSource, portal: PortalConfiguration) -> RequestKind {
        let unit = draws.unit()
        let variant = draws.next()
        if unit < profile.forbiddenShare {
            var kinds: [RequestKind] = [.portalMismatch]
            if portal.requestTypes.contains(.lookup) { kinds.append(.forbiddenField) }
            if portal.requestTypes.count < RequestType.allCases.count { kinds.append(.typeNotAllowed) }
            return kinds[Int(variant % UInt64(kinds.count))]
        }
        if unit < profile.forbiddenShare + profile.invalidShare { return .invalid }
        if unit < profile.forbiddenShare + profile.invalidShare + profile.wrongShare {
            var kinds: [RequestKind] = [.wrongDateOfBirth, .wrongName, .unknownId, .contradictoryDigits]
            if portal.requestTypes.contains(.link) { kinds.append(.wrongLegacyId) }
            return kinds[Int(variant % UInt64(kinds.count))]
        }
        return draws.chance(profile.repeatShare) ? .repeated : .correct
    }

    /// Repeats come from a small set of frequently asked citizens, so they hit the cache once warm.
    private func citizenIndex(_ draws: inout DrawSource, repeated: Bool) -> Int {
        let size = UInt64(profile.citizens)
        guard repeated else { return Int(draws.next() % size) }
        let hotSetSize = UInt64(max(1, min(profile.citizens, profile.count / 20)))
        var hot = DrawSource(profile.seed, Tag.hot, draws.next() % hotSetSize)
        return Int(hot.next() % size)
    }

    /// The first citizen from `index` on who had a CMND (born before 2000), for `link`.
    private func legacyHolder(from index: Int) -> Int? {
        (0..<min(512, profile.citizens)).lazy
            .map { (index + $0) % self.profile.citizens }
            .first { self.population.legacyIdNumber(at: $0) != nil }
    }

    private func chooseProcedure(_ builder: inout RequestBuilder, _ draws: inout DrawSource) {
        let listed = rules.procedures.filter { $0.code != ProcedureConfiguration.defaultCode }
        let hasDefault = rules.procedure(forCode: ProcedureConfiguration.defaultCode) != nil
        // An unlisted code exercises the `default` entry when the operators kept one.
        if hasDefault, listed.isEmpty || draws.chance(0.1) {
            builder.procedureCode = "9.999999"
            builder.procedureFields = rules.procedure(forCode: ProcedureConfiguration.defaultCode)?.fields ?? []
        } else if let procedure = listed.randomElement(using: &draws) {
            builder.procedureCode = procedure.code
            builder.procedureFields = procedure.fields
        }
        if draws.chance(0.5) {
            let subset = builder.procedureFields.filter { _ in draws.chance(0.6) }
            builder.fields = subset.isEmpty ? Array(builder.procedureFields.prefix(1)) : subset
        }
    }

    private func apply(
        _ kind: RequestKind,
        to builder: inout RequestBuilder,
        record: CitizenRecord,
        portal: PortalConfiguration,
        index: Int,
        _ draws: inout DrawSource
    ) {
        switch kind {
        case .correct, .repeated, .typeNotAllowed:
            break
        case .wrongDateOfBirth:
            builder.dateOfBirth = Self.anotherDate(than: record.dateOfBirth, today: today)
        case .wrongName:
            builder.fullName = Self.anotherGivenName(than: record.fullName, &draws)
        case .unknownId:
            builder.idNumber =
                population.unassignedIdNumber(
                    salt: draws.next(),
                    birthYear: record.dateOfBirth.year,
                    gender: record.gender ?? .male
                ) ?? population.unassignedIdNumber(salt: draws.next())
        case .contradictoryDigits:
            builder.dateOfBirth = Self.contradictingDate(record.dateOfBirth, today: today)
        case .wrongLegacyId:
            builder.legacyIdNumber = Self.anotherLegacyNumber(than: record.legacyIdNumber ?? "000000000")
        case .invalid:
            builder.applyInvalidVariant(draws.next() % 5, birthYear: record.dateOfBirth.year)
        case .forbiddenField:
            let refused = CitizenField.allCases.filter { !builder.procedureFields.contains($0) }
            if let field = refused.randomElement(using: &draws) {
                builder.fields = (builder.fields ?? Array(builder.procedureFields.prefix(2))) + [field]
            }
        case .portalMismatch:
            builder.portal = rules.portals.first { $0.id != portal.id }?.id ?? "\(portal.id)x"
        }
    }

    // MARK: - How portals write data

    /// Lowercase or capitalised, sometimes with decomposed diacritics and stray spaces: the gateway
    /// must read all of these as the record's name.
    static func writtenAsPortalsDo(_ name: String, _ draws: inout DrawSource) -> String {
        var words = name.split(separator: " ").map(String.init)
        switch draws.next() % 3 {
        case 0: words = words.map { $0.lowercased() }
        case 1: words = words.map { $0.prefix(1) + $0.dropFirst().lowercased() }
        default: break
        }
        var text = words.joined(separator: draws.chance(0.3) ? "  " : " ")
        if draws.chance(0.2) { text = " \(text) " }
        if draws.chance(0.3) { text = text.decomposedStringWithCanonicalMapping }
        return text
    }

    static func written(_ date: BirthDate, yearOnly: Bool, _ draws: inout DrawSource) -> String {
        guard case .full(let year, let month, let day) = date, !yearOnly else { return String(date.year) }
        switch draws.next() % 3 {
        case 0: return date.displayText
        case 1: return "\(day)/\(month)/\(year)"
        default: return "\(year)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)"
        }
    }

    /// Another real date in the same year, so the CCCD digits still agree. A year-only record
    /// matches any date in its year, so its year changes instead: that contradicts the digits, and
    /// the gateway answers `not_verified`/`not_found` either way.
    static func anotherDate(than date: BirthDate, today: Date) -> String {
        guard case .full(let year, let month, let day) = date else { return contradictingDate(date, today: today) }
        let otherDay = day == 1 ? 2 : 1
        return BirthDate.full(year: year, month: month, day: otherDay).displayText
    }

    /// A date whose year disagrees with the CCCD's digits 5-6 (and possibly its century digit).
    static func contradictingDate(_ date: BirthDate, today: Date) -> String {
        let currentYear = Calendar(identifier: .gregorian).component(.year, from: today)
        let year = date.year + 1 < currentYear ? date.year + 1 : date.year - 1
        return BirthDate.full(year: year, month: 1, day: 15).displayText
    }

    static func anotherGivenName(than name: String, _ draws: inout DrawSource) -> String {
        let givenNames = ["AN", "BÌNH", "CHÂU", "DŨNG", "GIANG", "HIẾU", "KHÁNH", "LỘC"]
        var words = name.split(separator: " ").map(String.init)
        let current = words.last ?? ""
        let replacement = givenNames.filter { $0 != current }.randomElement(using: &draws) ?? "AN"
        if words.isEmpty { words = [replacement] } else { words[words.count - 1] = replacement }
        return words.joined(separator: " ")
    }

    static func anotherLegacyNumber(than number: String) -> String {
        let digits = Array(number)
        guard let last = digits.last?.wholeNumberValue else { return "000000001" }
        return String(digits.dropLast()) + String((last + 1) % 10)
    }
}

extension Expectation {
    /// The gateway decides these alone; they must come back exactly as the rules give them.
    init(answeredByGateway outcome: Outcome, kind: RequestKind?) {
        self.init(
            kind: kind,
            status: outcome.status,
            source: .gateway,
            errorCodes: outcome.errors.map(\.code.rawValue),
            message: outcome.message,
            citizen: outcome.citizen,
            allowsTransient: false
        )
    }
}

/// The JSON of one request, assembled field by field.
struct RequestBuilder {
    var requestId: String
    var channel: String
    var type: RequestType = .verify
    var portal: String?
    var fullName = ""
    var idNumber = ""
    var dateOfBirth = ""
    var legacyIdNumber: String?
    var procedureCode: String?
    /// What the chosen procedure allows (not sent; the forbidden variant adds a field outside it).
    var procedureFields: [CitizenField] = []
    var fields: [CitizenField]?
    var unknownKey: String?

    init(requestId: String, channel: Channel) {
        self.requestId = requestId
        self.channel = channel.rawValue
    }

    /// Five ways portals send malformed requests; each gives one known error.
    mutating func applyInvalidVariant(_ variant: UInt64, birthYear: Int) {
        switch variant {
        case 0: dateOfBirth = "31/02/\(birthYear)"
        case 1: fullName += " 2"
        case 2: idNumber = String(idNumber.dropLast())
        case 3: channel = "kiosk"
        default: unknownKey = "procedurecode"
        }
    }

    func json() -> [UInt8] {
        var object: [String: Any] = [
            "requestId": requestId,
            "type": type.rawValue,
            "channel": channel,
            "citizen": ["fullName": fullName, "idNumber": idNumber, "dateOfBirth": dateOfBirth],
        ]
        object["portal"] = portal
        object["legacyIdNumber"] = legacyIdNumber
        object["procedureCode"] = procedureCode
        object["fields"] = fields?.map(\.rawValue)
        if let unknownKey { object[unknownKey] = "1.001193" }
        // Strings, arrays and dictionaries of strings always serialise.
        return (try? Array(JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))) ?? []
    }
}
