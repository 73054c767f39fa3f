import Foundation
import PropertyBased
import Testing

@testable import DanCuContract

@Suite struct JSONParserTests {
    /// Values written by Foundation's serializer (escaping as it escapes) parse to the same tree.
    @Test func documentsFoundationWritesParseToTheValuesWritten() async {
        await propertyCheck(count: 400, input: GenerateJSON.document) { object in
            let bytes = (try? Array(JSONSerialization.data(withJSONObject: object))) ?? []
            #expect(JSONParser.parse(bytes) == .success(GenerateJSON.expected(object)))
        }
    }

    /// Every escape form, whitespace everywhere it may go, and numbers in every grammatical shape.
    @Test func escapesWhitespaceAndNumbers() throws {
        let text =
            #" { "a\u0041\"\\\/\b\f\n\r\t" : [ -0 , 12.5e+3 , 0.25E-2 , 7e9 , true , false , null ] , "ệ\u1ec7\ud83d\ude00" : { } , "e" : [ ] } "#
        guard case .success(.object(let object)) = JSONParser.parse(Array(text.utf8)) else {
            Issue.record("not parsed")
            return
        }
        #expect(
            object["aA\"\\/\u{08}\u{0C}\n\r\t"]
                == .array([.number, .number, .number, .number, .bool(true), .bool(false), .null])
        )
        #expect(object["ệệ😀"] == .object(JSONObject()))
        #expect(object["e"] == .array([]))
        #expect(object.keys.count == 3)
    }

    @Test(arguments: [
        "", " ", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{,}", "[1,]", "[1 2]", "{'a':1}", "{a:1}",
        "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":+1}", "{\"a\":-}", "{\"a\":1e}", "{\"a\":NaN}",
        "{\"a\":TRUE}", "{\"a\":nul}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\\ud800\"}",
        "{\"a\":\"\\udc00\"}", "{\"a\":\"\\ud800\\u0041\"}", "{\"a\":\"tab\there\"}", "{\"a\":\"open}",
        "{} {}", "{}x", "/* c */ {}", "{\"a\":1 // c\n}", "\u{FEFF}{}",
    ])
    func malformedDocumentsAreRefused(text: String) {
        #expect(JSONParser.parse(Array(text.utf8)) == .failure(.syntax))
    }

    @Test func everyStrictPrefixOfAnObjectIsRefused() throws {
        let bytes = Array(#"{"requestId":"r-1","citizen":{"fullName":"Trần \"A\"","n":[1.5e3,true,null]}}"#.utf8)
        #expect(throws: Never.self) { try JSONParser.parse(bytes).get() }
        for length in 0..<bytes.count {
            #expect(JSONParser.parse(Array(bytes[..<length])) == .failure(.syntax), "prefix of \(length) bytes")
        }
    }

    @Test func nestingIsBoundedAtTheLimit() {
        func nested(_ depth: Int) -> [UInt8] {
            Array(repeating: UInt8(ascii: "["), count: depth) + Array(repeating: UInt8(ascii: "]"), count: depth)
        }
        #expect((try? JSONParser.parse(nested(JSONParser.maximumDepth)).get()) != nil)
        #expect(JSONParser.parse(nested(JSONParser.maximumDepth + 1)) == .failure(.tooDeep))
        #expect(JSONParser.parse(nested(100_000)) == .failure(.tooDeep))
    }

    @Test func repeatedNamesKeepTheFirstValueAndAreListedOnce() {
        let text = #"{"b":1,"a":"first","a":"second","b":2,"a":"third","c":3}"#
        guard case .success(.object(let object)) = JSONParser.parse(Array(text.utf8)) else {
            Issue.record("not parsed")
            return
        }
        #expect(object["a"] == .string("first"))
        #expect(object.repeatedKeys == ["a", "b"])
        #expect(object.keys.count == 3)
    }
}

/// Random JSON objects as Foundation represents them, and the tree the parser should build for each.
enum GenerateJSON {
    private static let texts = [
        "", "a", "Trần Quang Khương", "tra\u{0302}\u{0300}n", "\"quoted\"", "back\\slash", "a/b", "tab\tnew\nline",
        "\u{01}\u{1F}\u{7F}", "😀 ệ", "\u{2028}\u{2029}", "requestId",
    ]

    static let document = Generator<[String: Any], Shrink.None<[String: Any]>> { rng in
        object(depth: 0, using: &rng)
    }

    private static func object(depth: Int, using rng: inout some RandomNumberGenerator) -> [String: Any] {
        var members: [String: Any] = [:]
        for _ in 0..<Int.random(in: 0...5, using: &rng) {
            members[texts.randomElement(using: &rng) ?? ""] = value(depth: depth + 1, using: &rng)
        }
        return members
    }

    private static func value(depth: Int, using rng: inout some RandomNumberGenerator) -> Any {
        switch Int.random(in: depth < 4 ? 0...7 : 2...7, using: &rng) {
        case 0: return object(depth: depth, using: &rng)
        case 1: return (0..<Int.random(in: 0...4, using: &rng)).map { _ in value(depth: depth + 1, using: &rng) }
        case 2, 3: return texts.randomElement(using: &rng) ?? ""
        case 4: return Int.random(in: -1_000_000...1_000_000, using: &rng)
        case 5: return Double.random(in: -1e9...1e9, using: &rng)
        case 6: return Bool.random(using: &rng)
        default: return NSNull()
        }
    }

    static func expected(_ value: Any) -> JSONValue {
        switch value {
        case let object as [String: Any]:
            JSONValue.object(JSONObject(members: object.mapValues(expected)))
        case let items as [Any]:
            JSONValue.array(items.map(expected))
        case let text as String:
            JSONValue.string(text)
        case let flag as Bool:
            JSONValue.bool(flag)
        case is Int, is Double:
            JSONValue.number
        default:
            JSONValue.null
        }
    }
}
