import Foundation
import ZIPFoundation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Streams the first sheet of an `.xlsx` workbook. Each XML part is unzipped to a temporary file and
/// parsed from a stream, so neither the archive nor the sheet is ever held in memory whole; only the
/// shared-string table is, packed into one byte buffer.
public struct XLSXReader: SheetReader {
    public let url: URL

    public init(url: URL) {
        self.url = url
    }

    public func forEachRow(_ body: (SheetRow) throws -> Void) throws {
        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw SheetError("\(url.lastPathComponent) is not an .xlsx workbook (\(error))")
        }
        let sheetPath = try firstSheetPath(in: archive)
        let strings = SharedStrings()
        if let entry = archive["xl/sharedStrings.xml"] {
            try Self.parse(entry, of: archive, with: SharedStringsParser(strings: strings))
        }
        let styles = StylesParser()
        if let entry = archive["xl/styles.xml"] { try Self.parse(entry, of: archive, with: styles) }
        guard let sheet = archive[sheetPath] else { throw SheetError("the workbook has no \(sheetPath)") }
        try withoutActuallyEscaping(body) { body in
            let parser = SheetParser(strings: strings, dateStyles: styles.dateStyles, body: body)
            try Self.parse(sheet, of: archive, with: parser)
            if let error = parser.failure { throw error }
        }
    }

    /// The first `<sheet>` of `xl/workbook.xml`, followed through `xl/_rels/workbook.xml.rels`.
    private func firstSheetPath(in archive: Archive) throws -> String {
        guard let workbook = archive["xl/workbook.xml"], let relations = archive["xl/_rels/workbook.xml.rels"] else {
            return "xl/worksheets/sheet1.xml"
        }
        let first = AttributeCollector(element: "sheet", attribute: "r:id")
        try Self.parse(workbook, of: archive, with: first)
        let targets = AttributeCollector(element: "Relationship", attribute: "Target", key: "Id")
        try Self.parse(relations, of: archive, with: targets)
        guard let id = first.values.first?.value, let target = targets.values.first(where: { $0.key == id })?.value
        else {
            return "xl/worksheets/sheet1.xml"
        }
        return target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
    }

    private static func parse(_ entry: Entry, of archive: Archive, with delegate: some XMLParserDelegate) throws {
        let temporary = FileManager.default.temporaryDirectory.appending(path: "dancu-batch-\(UUID().uuidString).xml")
        defer { try? FileManager.default.removeItem(at: temporary) }
        do {
            _ = try archive.extract(entry, to: temporary, skipCRC32: true)
        } catch {
            throw SheetError("cannot unzip \(entry.path): \(error)")
        }
        guard let stream = InputStream(url: temporary) else { throw SheetError("cannot read \(entry.path)") }
        let parser = XMLParser(stream: stream)
        parser.delegate = delegate
        // A sheet parser stopped by its row handler's error reports that error, not a damaged file.
        if !parser.parse(), (delegate as? SheetParser)?.failure == nil {
            throw SheetError("\(entry.path) is not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "")")
        }
    }

    /// `B12` → 1 (zero-based column of a cell reference).
    static func column(ofReference reference: String) -> Int? {
        var column = 0
        var letters = 0
        for scalar in reference.unicodeScalars {
            guard ("A"..."Z").contains(scalar) else { break }
            column = column * 26 + Int(scalar.value - 64)
            letters += 1
        }
        return letters == 0 ? nil : column - 1
    }
}

/// The shared-string table packed into one buffer: a million names take tens of megabytes, not hundreds.
final class SharedStrings {
    private var bytes: [UInt8] = []
    private var ends: [Int] = []

    func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
        ends.append(bytes.count)
    }

    subscript(index: Int) -> String? {
        guard index >= 0, index < ends.count else { return nil }
        let start = index == 0 ? 0 : ends[index - 1]
        return String(decoding: bytes[start..<ends[index]], as: UTF8.self)
    }
}

/// Collects one attribute of every matching element of a small part (the workbook, its relationships).
final class AttributeCollector: NSObject, XMLParserDelegate {
    let element: String
    let attribute: String
    let key: String?
    private(set) var values: [(key: String, value: String)] = []

    init(element: String, attribute: String, key: String? = nil) {
        self.element = element
        self.attribute = attribute
        self.key = key
    }

    func parser(
        _ parser: XMLParser,
        didStartElement elementName: String,
        namespaceURI: String?,
        qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        guard elementName == element, let value = attributes[attribute] else { return }
        values.append((key.flatMap { attributes[$0] } ?? "", value))
    }
}

/// `<si>` items: the `<t>` texts of a plain or rich-text item, without phonetic (`<rPh>`) runs.
final class SharedStringsParser: NSObject, XMLParserDelegate {
    let strings: SharedStrings
    private var current = ""
    private var inText = false
    private var inPhonetic = false

    init(strings: SharedStrings) {
        self.strings = strings
    }

    func parser(
        _ parser: XMLParser,
        didStartElement elementName: String,
        namespaceURI: String?,
        qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        switch elementName {
        case "si": current = ""
        case "t": inText = !inPhonetic
        case "rPh": inPhonetic = true
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inText { current += string }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        switch elementName {
        case "si": strings.append(current)
        case "t": inText = false
        case "rPh": inPhonetic = false
        default: break
        }
    }
}

/// Which cell styles (`s` attributes, indexes into `<cellXfs>`) show a number as a date: Excel keeps a
/// date as a serial day number and only the style says it is one.
final class StylesParser: NSObject, XMLParserDelegate {
    private(set) var dateStyles: Set<Int> = []
    private var customDateFormats: Set<Int> = []
    private var inCellFormats = false
    private var styleIndex = 0

    /// Excel's built-in date and date-time formats.
    private static let builtInDateFormats = Set(14...22).union(45...47)

    func parser(
        _ parser: XMLParser,
        didStartElement elementName: String,
        namespaceURI: String?,
        qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        switch elementName {
        case "numFmt":
            if let id = attributes["numFmtId"].flatMap(Int.init), let code = attributes["formatCode"], Self.isDate(code)
            {
                customDateFormats.insert(id)
            }
        case "cellXfs":
            inCellFormats = true
        case "xf" where inCellFormats:
            let format = attributes["numFmtId"].flatMap(Int.init) ?? 0
            if Self.builtInDateFormats.contains(format) || customDateFormats.contains(format) {
                dateStyles.insert(styleIndex)
            }
            styleIndex += 1
        default: break
        }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        if elementName == "cellXfs" { inCellFormats = false }
    }

    /// A format code with day, month or year letters outside quoted text and `[...]` sections.
    static func isDate(_ code: String) -> Bool {
        var quoted = false
        var bracketed = false
        for character in code.lowercased() {
            switch character {
            case "\"": quoted.toggle()
            case "[" where !quoted: bracketed = true
            case "]" where !quoted: bracketed = false
            case "d", "m", "y":
                if !quoted && !bracketed { return true }
            default: continue
            }
        }
        return false
    }
}

/// Rows of a worksheet, handed over as soon as each `</row>` is read.
final class SheetParser: NSObject, XMLParserDelegate {
    let strings: SharedStrings
    let dateStyles: Set<Int>
    let body: (SheetRow) throws -> Void
    private(set) var failure: (any Error)?
    private var row: SheetRow?
    private var nextRowNumber = 1
    private var cellColumn = 0
    private var cellType = "n"
    private var cellIsDate = false
    private var value = ""
    private var collecting = false

    init(strings: SharedStrings, dateStyles: Set<Int>, body: @escaping (SheetRow) throws -> Void) {
        self.strings = strings
        self.dateStyles = dateStyles
        self.body = body
    }

    func parser(
        _ parser: XMLParser,
        didStartElement elementName: String,
        namespaceURI: String?,
        qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        switch elementName {
        case "row":
            let number = attributes["r"].flatMap(Int.init) ?? nextRowNumber
            row = SheetRow(number: number, cells: [])
            nextRowNumber = number + 1
        case "c":
            cellColumn = attributes["r"].flatMap(XLSXReader.column(ofReference:)) ?? row?.cells.count ?? 0
            cellType = attributes["t"] ?? "n"
            cellIsDate = attributes["s"].flatMap(Int.init).map(dateStyles.contains) ?? false
            value = ""
        case "v", "t":
            collecting = true
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if collecting { value += string }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        switch elementName {
        case "v", "t":
            collecting = false
        case "c":
            guard var current = row.take() else { return }
            let cell: SheetCell =
                switch cellType {
                case "s": Int(value).flatMap { strings[$0] }.map(SheetCell.text) ?? .empty
                case "n" where value.isEmpty: .empty
                case "n": cellIsDate ? .date(value) : .number(value)
                default: value.isEmpty ? .empty : .text(value)
                }
            while current.cells.count < cellColumn { current.cells.append(.empty) }
            if current.cells.count == cellColumn {
                current.cells.append(cell)
            } else {
                current.cells[cellColumn] = cell
            }
            row = current
        case "row":
            guard let finished = row.take() else { return }
            do {
                try body(finished)
            } catch {
                failure = error
                parser.abortParsing()
            }
        default: break
        }
    }
}
