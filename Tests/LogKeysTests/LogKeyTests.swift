import Foundation
import Testing

/// Read as source: Swift cannot list a type's static properties, and the keys to keep out are in other modules.
@Suite("Log metadata keys")
struct LogKeyTests {
    private static let sources = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appending(path: "Sources")
    private static let table = sources.appending(path: "LogKeys/LogKey.swift")

    @Test
    func everyKeyHasItsOwnSpellingInCamelCaseWithDottedNamespaces() throws {
        let spellings = try String(contentsOf: Self.table, encoding: .utf8)
            .matches(of: /static let \w+ = "([^"]*)"/).map { String($0.1) }
        #expect(spellings.count > 40, "the table was not read")
        let spelledTwice = Dictionary(grouping: spellings) { $0 }.filter { $0.value.count > 1 }.keys.sorted()
        #expect(spelledTwice.isEmpty, "one spelling, two constants: \(spelledTwice)")
        let convention = /[a-z][a-zA-Z0-9]*(\.[a-z][a-zA-Z0-9]*)*/
        for spelling in spellings {
            #expect(spelling.wholeMatch(of: convention) != nil, "\(spelling)")
        }
    }

    @Test
    func noSourceSpellsAMetadataKeyWhereItIsUsed() throws {
        let files = try #require(FileManager.default.enumerator(at: Self.sources, includingPropertiesForKeys: nil))
        var spelledInPlace: [String] = []
        var scanned = 0
        for case let file as URL in files
        where file.pathExtension == "swift"
            && file.deletingLastPathComponent() != Self.table.deletingLastPathComponent()
        {
            scanned += 1
            let source = try String(contentsOf: file, encoding: .utf8)
            spelledInPlace += LiteralMetadataKeys.in(source).map { "\(file.lastPathComponent): \"\($0)\"" }
        }
        #expect(scanned > 100, "Sources/ was not read")
        #expect(spelledInPlace.isEmpty, "use LogKey: \(spelledInPlace)")
    }

    @Test
    func theScanFindsKeysInEveryFormTheSourcesUse() {
        let source = #"""
            logger.info("a", metadata: ["first": "\(url ?? "")", LogKey.portal: "\(b.joined(separator: ","))"])
            logger[metadataKey: "second"] = "c"
            logger.warning(
                "d",
                metadata: [
                    LogKey.error: "\(error)",
                    "third": "\(f(["not": "a key"]))",
                ]
            )
            init(metadata: [UInt8], base: Int64) {}
            """#
        #expect(LiteralMetadataKeys.in(source) == ["first", "second", "third"])
    }
}

/// String literals written as log metadata keys: the keys of a `metadata: [...]` dictionary literal and the
/// subscript `[metadataKey: "..."]`. Lexes only as much Swift as that takes: string literals are skipped whole,
/// interpolations (which may hold string literals and brackets of their own) included.
private enum LiteralMetadataKeys {
    static func `in`(_ source: String) -> [String] {
        let text = Array(source)
        var keys: [String] = []
        var index = 0
        while index < text.count {
            if let after = text.end(of: "metadataKey:", at: index) {
                let start = text.skippingSpaces(from: after)
                if start < text.count, text[start] == "\"" {
                    keys.append(String(text[(start + 1)..<(text.endOfString(at: start) - 1)]))
                }
                index = after
            } else if let after = text.end(of: "metadata:", at: index) {
                let start = text.skippingSpaces(from: after)
                if start < text.count, text[start] == "[" { keys += text.topLevelLiteralKeys(at: start) }
                index = after
            } else {
                index += 1
            }
        }
        return keys
    }
}

extension [Character] {
    fileprivate func end(of word: String, at index: Int) -> Int? {
        let end = index + word.count
        return end <= count && self[index..<end].elementsEqual(word) ? end : nil
    }

    fileprivate func skippingSpaces(from index: Int) -> Int {
        var index = index
        while index < count, self[index].isWhitespace { index += 1 }
        return index
    }

    /// Just past the closing quote of the string literal that opens at `index`.
    fileprivate func endOfString(at index: Int) -> Int {
        var index = index + 1
        while index < count {
            switch self[index] {
            case "\"": return index + 1
            case "\\" where index + 1 < count && self[index + 1] == "(": index = endOfGroup(at: index + 1)
            case "\\": index += 2
            default: index += 1
            }
        }
        return count
    }

    /// Just past the bracket or parenthesis that closes the one at `index`.
    fileprivate func endOfGroup(at index: Int) -> Int {
        var depth = 0
        var index = index
        while index < count {
            switch self[index] {
            case "\"":
                index = endOfString(at: index)
                continue
            case "(", "[": depth += 1
            case ")", "]":
                depth -= 1
                if depth == 0 { return index + 1 }
            default: break
            }
            index += 1
        }
        return count
    }

    /// The string literals at the start of an entry of the dictionary literal opening at `index`.
    fileprivate func topLevelLiteralKeys(at index: Int) -> [String] {
        var keys: [String] = []
        var depth = 1
        var atEntryStart = true
        var index = index + 1
        while index < count {
            let character = self[index]
            if character.isWhitespace {
                index += 1
                continue
            }
            if character == "\"" {
                let end = endOfString(at: index)
                if atEntryStart && depth == 1 { keys.append(String(self[(index + 1)..<(end - 1)])) }
                atEntryStart = false
                index = end
                continue
            }
            atEntryStart = false
            switch character {
            case "(", "[": depth += 1
            case ")", "]":
                depth -= 1
                if depth == 0 { return keys }
            case "," where depth == 1: atEntryStart = true
            default: break
            }
            index += 1
        }
        return keys
    }
}
