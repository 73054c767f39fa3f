import Foundation
import PropertyBased
import Scheduling
import Testing

@testable import DanCuContract

/// Generators built from the pieces real requests are made of.
enum Generate {
    /// Vietnamese letters precomposed and decomposed, ASCII, separators and characters a name may not hold.
    static let nameParts: [String] = [
        "a", "ă", "â", "đ", "Đ", "\u{00D0}", "\u{2019}", "\u{02BC}", "\u{200B}", "\r\n", "oà", "o\u{0300}a", "ê", "ô",
        "ơ", "ư", "ệ", "ữ", "ằ", "ỷ", "e\u{0302}\u{0301}", "u\u{031B}",
        "o\u{031B}\u{0323}", "A\u{0306}\u{0300}", "N", "g", "h", "y", "'", "-", " ", "  ", "\t", "\u{00A0}", "3", ".",
    ]

    static let rawName = Generator<String, Shrink.None<String>> { rng in
        let count = Int.random(in: 0...24, using: &rng)
        return (0..<count).map { _ in nameParts.randomElement(using: &rng) ?? "" }.joined()
    }

    static let birthDate = Generator<BirthDate, Shrink.None<BirthDate>> { rng in
        let year = Int.random(in: 1900...2023, using: &rng)
        guard Bool.random(using: &rng) else { return .yearOnly(year) }
        let month = Int.random(in: 1...12, using: &rng)
        return .full(
            year: year,
            month: month,
            day: Int.random(in: 1...BirthDate.daysIn(month: month, year: year), using: &rng)
        )
    }

    /// Whole milliseconds: outcomes write milliseconds, so finer instants do not round-trip by design.
    static let instant = Generator<Date, Shrink.None<Date>> { rng in
        Date(
            timeIntervalSince1970: Double(Int64.random(in: -2_208_988_800_000...4_102_444_800_000, using: &rng)) / 1000
        )
    }

    static let outcome = Generator<Outcome, Shrink.None<Outcome>> { rng in
        let text = ["TRẦN QUANG KHƯƠNG", "Kinh", "Chưa có thông tin", "a/b \"c\" \\ đ", ""]
        var citizen: ReleasedCitizen?
        if Bool.random(using: &rng) {
            var values: [CitizenField: ReleasedCitizen.Value] = [:]
            for field in CitizenField.allCases where Bool.random(using: &rng) {
                switch Int.random(in: 0...2, using: &rng) {
                case 0: values[field] = .text(text.randomElement(using: &rng) ?? "")
                case 1: values[field] = .address(Address(provinceCode: "89", detail: text.randomElement(using: &rng)))
                default: values[field] = .missing
                }
            }
            citizen = ReleasedCitizen(values: values)
        }
        let errors = (0..<Int.random(in: 0...3, using: &rng)).map { index in
            FieldProblem(
                field: "fields[\(index)]",
                code: .fieldNotAllowed,
                message: text.randomElement(using: &rng) ?? ""
            )
        }
        return Outcome(
            requestId: "r-\(Int.random(in: 0...1_000_000, using: &rng))",
            portal: ["angiang", "haiphong", "phutho"].randomElement(using: &rng) ?? "angiang",
            type: RequestType.allCases.randomElement(using: &rng),
            status: OutcomeStatus.allCases.randomElement(using: &rng) ?? .found,
            message: text.randomElement(using: &rng) ?? "",
            citizen: citizen,
            errors: errors,
            source: OutcomeSource.allCases.randomElement(using: &rng) ?? .gateway,
            attempts: Int.random(in: 0...10, using: &rng),
            receivedAt: instant.run(using: &rng),
            completedAt: instant.run(using: &rng)
        )
    }
}

/// One Vietnamese syllable with its tone, and two ways a person might type it.
struct TypedSyllable: Sendable, CustomStringConvertible {
    var initial: String
    var vowels: [String]
    var final: String
    /// Index into `TypedSyllable.toneMarks`.
    var tone: Int
    var first: Spelling
    var second: Spelling

    /// Where the tone mark was typed (which vowel), and the text's case and Unicode normal form.
    struct Spelling: Sendable {
        var markedVowel: Int
        var casing: Int
        var decomposed: Bool
    }

    static let toneMarks = ["\u{0300}", "\u{0301}", "\u{0303}", "\u{0309}", "\u{0323}"]
    static let initials = ["", "b", "ch", "đ", "g", "gh", "gi", "h", "kh", "l", "ng", "nh", "qu", "th", "tr", "x"]
    /// Vowel groups of Vietnamese syllables, the two-convention ones (oa, oe, uy) among them.
    static let vowelGroups: [[String]] = [
        ["a"], ["ă"], ["â"], ["e"], ["ê"], ["i"], ["o"], ["ô"], ["ơ"], ["u"], ["ư"], ["y"],
        ["o", "a"], ["o", "e"], ["u", "y"], ["o", "ă"], ["u", "â"], ["u", "ê"], ["u", "ô"], ["u", "ơ"], ["a", "i"],
        ["a", "o"], ["a", "u"], ["a", "y"], ["â", "u"], ["â", "y"], ["e", "o"], ["ê", "u"], ["i", "a"], ["i", "ê"],
        ["i", "u"], ["o", "i"], ["ô", "i"], ["ơ", "i"], ["u", "a"], ["u", "i"], ["ư", "a"], ["ư", "i"], ["ư", "u"],
        ["ư", "ơ"], ["y", "ê"], ["o", "a", "i"], ["o", "a", "y"], ["o", "e", "o"], ["u", "â", "y"], ["u", "ô", "i"],
        ["ư", "ơ", "i"], ["ư", "ơ", "u"], ["u", "y", "a"], ["u", "y", "ê"], ["u", "y", "u"], ["i", "ê", "u"],
        ["y", "ê", "u"],
    ]
    static let finals = ["", "c", "ch", "m", "n", "ng", "nh", "p", "t"]

    func written(_ spelling: Spelling) -> String {
        var text = initial
        for (index, vowel) in vowels.enumerated() {
            text += vowel + (index == spelling.markedVowel ? Self.toneMarks[tone] : "")
        }
        text += final
        switch spelling.casing {
        case 0: text = text.uppercased()
        case 1: text = text.prefix(1).uppercased() + text.dropFirst()
        default: break
        }
        return spelling.decomposed
            ? text.decomposedStringWithCanonicalMapping : text.precomposedStringWithCanonicalMapping
    }

    /// Where each convention puts the tone, for the groups on which they differ; `nil` for the others.
    func expectedMarkedVowel(_ placement: TonePlacement) -> Int? {
        guard final.isEmpty, [["o", "a"], ["o", "e"], ["u", "y"]].contains(vowels), !["qu", "gi"].contains(initial)
        else {
            return nil
        }
        return placement == .traditional ? 0 : 1
    }

    var description: String { "\(written(first)) / \(written(second))" }
}

extension Generate {
    static let syllable = Generator<TypedSyllable, Shrink.None<TypedSyllable>> { rng in
        let vowels = TypedSyllable.vowelGroups.randomElement(using: &rng) ?? ["a"]
        func spelling() -> TypedSyllable.Spelling {
            .init(
                markedVowel: Int.random(in: 0..<vowels.count, using: &rng),
                casing: Int.random(in: 0...2, using: &rng),
                decomposed: Bool.random(using: &rng)
            )
        }
        return TypedSyllable(
            initial: TypedSyllable.initials.randomElement(using: &rng) ?? "",
            vowels: vowels,
            final: TypedSyllable.finals.randomElement(using: &rng) ?? "",
            tone: Int.random(in: 0..<TypedSyllable.toneMarks.count, using: &rng),
            first: spelling(),
            second: spelling()
        )
    }
}

extension Generate {
    /// Good and bad values for every request key, so most generated requests break some rule.
    static var valuePool: [String: [Any]] {
        [
            "portal": ["angiang", "haiphong", 7],
            "type": ["verify", "lookup", "link", "check", NSNull()],
            "channel": ["counter", "online", "batch", "fax"],
            "procedureCode": ["1.001193", "2.002165", "1 001193", 1.5],
            "fields": [["fullName"], ["religion", "shoeSize"], [], "fullName"],
            "legacyIdNumber": ["351234567", "35123", true],
            "officerId": ["cb.07", ""],
            "deadline": ["2030-01-01T00:00:00Z", "2024-05-20T08:00:00+07:00", "soon"],
            "fullName": ["Trần Quang Khương", "Trần 3", "", ["A"]],
            "idNumber": ["089090001234", "089290001234", "351234567", "003090001234", 89_090_001_234],
            "dateOfBirth": ["20/04/1990", "1990", "29/02/2001", "2099", "1990-04-20"],
        ]
    }

    /// JSON objects with a usable `requestId` and a random selection of good and bad fields.
    static let addressableRequest = Generator<[UInt8], Shrink.None<[UInt8]>> { rng in
        func pick(_ key: String) -> Any? {
            Int.random(in: 0...4, using: &rng) == 0 ? nil : valuePool[key]?.randomElement(using: &rng)
        }
        var citizen: [String: Any] = [:]
        for key in ["fullName", "idNumber", "dateOfBirth"] { citizen[key] = pick(key) }
        var object: [String: Any] = ["requestId": "p-\(Int.random(in: 0...999, using: &rng))", "citizen": citizen]
        for key in ["portal", "type", "channel", "procedureCode", "fields", "legacyIdNumber", "officerId", "deadline"] {
            object[key] = pick(key)
        }
        return (try? Array(JSONSerialization.data(withJSONObject: object))) ?? []
    }
}

@Suite struct PropertyTests {
    @Test func everyAddressableRequestIsAnsweredConsistently() async throws {
        let rules = try Fixture.rules()
        await propertyCheck(count: 500, input: Generate.addressableRequest) { value in
            switch rules.decide(topic: Fixture.angiang, value: value, receivedAt: Fixture.receivedAt) {
            case .deadLetter(let reason):
                Issue.record("a request with a usable requestId became a dead letter: \(reason)")
            case .answer(let outcome):
                #expect(!outcome.errors.isEmpty, "every gateway answer says why")
                #expect(outcome.portal == "angiang")
                #expect(outcome.citizen == nil)
                let forbidden = outcome.errors.contains { $0.code.isForbidden }
                #expect((outcome.status == .forbidden) == forbidden)
            case .query(let request):
                #expect(request.deadline > request.receivedAt)
                if let name = request.citizen.fullName {
                    #expect(FullName.normalize(name, tones: .traditional) == .success(name))
                }
                #expect(
                    request.type != .link
                        || Set(request.releasedFields).isSubset(of: [
                            .fullName, .idNumber, .legacyIdNumber, .dateOfBirth,
                        ])
                )
                #expect(
                    request.procedureCode != nil || request.releasedFields.isEmpty || request.type == .link,
                    "fields only under a procedure"
                )
            }
        }
    }

    @Test func nameNormalisationIsIdempotent() async {
        await propertyCheck(count: 500, input: Generate.rawName) { raw in
            guard case .success(let once) = FullName.normalize(raw, tones: .traditional) else { return }
            #expect(FullName.normalize(once, tones: .traditional) == .success(once))
            #expect(once == once.precomposedStringWithCanonicalMapping)
            #expect(!once.contains("  ") && once.first != " " && once.last != " ")
        }
    }

    @Test func decomposedAndPrecomposedSpellingsNormaliseAlike() async {
        await propertyCheck(count: 300, input: Generate.rawName) { raw in
            let decomposed = raw.decomposedStringWithCanonicalMapping
            #expect(FullName.normalize(decomposed, tones: .traditional) == FullName.normalize(raw, tones: .traditional))
        }
    }

    /// Every syllable, every tone, the mark typed on any of its vowels, NFC or NFD, any case: one request and
    /// one cache key under either convention, with the tone where that convention puts it.
    @Test func tonePlacementAndNormalFormDoNotChangeTheRequestNorTheCacheKey() async throws {
        let cache = ResultCache(
            configuration: CacheConfiguration(),
            secret: Array("0123456789abcdef".utf8),
            clock: ContinuousClock()
        )
        let conventions = try TonePlacement.allCases.map { placement in
            (placement, try Fixture.rules(settings: ContractSettings(names: NameSettings(tonePlacement: placement))))
        }
        await propertyCheck(count: 2000, input: Generate.syllable) { syllable in
            for (placement, rules) in conventions {
                let requests = [syllable.first, syllable.second].map { spelling in
                    rules.decide(
                        topic: Fixture.angiang,
                        value: Fixture.json(Fixture.verify, citizen: ["fullName": "Lê " + syllable.written(spelling)]),
                        receivedAt: Fixture.receivedAt
                    ).request
                }
                guard let first = requests[0], let second = requests[1] else {
                    Issue.record("\(syllable) was refused under \(placement)")
                    return
                }
                #expect(first == second, "\(syllable) under \(placement)")
                #expect(cache.key(for: first.citizen) == cache.key(for: second.citizen))
                if let marked = syllable.expectedMarkedVowel(placement) {
                    let spelling = TypedSyllable.Spelling(markedVowel: marked, casing: 0, decomposed: false)
                    #expect(first.citizen.fullName == "LÊ " + syllable.written(spelling))
                }
            }
        }
    }

    @Test func outcomesRoundTripThroughJSON() async throws {
        await propertyCheck(count: 300, input: Generate.outcome) { outcome in
            let bytes = outcome.jsonBytes()
            let decoded = try JSONDecoder().decode(Outcome.self, from: Data(bytes))
            #expect(decoded == outcome)
            #expect(decoded.jsonBytes() == bytes)
        }
    }

    @Test func timestampsRoundTrip() async {
        await propertyCheck(count: 500, input: Generate.instant) { instant in
            #expect(Timestamp.parse(Timestamp.format(instant)) == instant)
        }
    }

    @Test func birthDatesRoundTripThroughTheirDisplayText() async {
        await propertyCheck(count: 500, input: Generate.birthDate) { date in
            #expect(DateOfBirth.parse(date.displayText, today: Fixture.receivedAt) == .success(date))
        }
    }
}
