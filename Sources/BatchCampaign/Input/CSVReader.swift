import Foundation

/// How a CSV file is written: Excel's "CSV UTF-8" (with a BOM), plain UTF-8, or "Unicode text"
/// (UTF-16 LE with a BOM, tab-separated); comma or semicolon (Vietnamese regional settings).
public struct CSVFormat: Sendable, Hashable {
    public enum Encoding: Sendable, Hashable {
        case utf8, utf8WithBOM, utf16LE
    }

    public var encoding: Encoding
    public var separator: UInt8

    public init(encoding: Encoding, separator: UInt8) {
        self.encoding = encoding
        self.separator = separator
    }

    /// Reads the first bytes of the file: the BOM decides the encoding, the header line the separator.
    public static func detect(_ prefix: [UInt8]) -> CSVFormat {
        if prefix.starts(with: [0xFF, 0xFE]) { return CSVFormat(encoding: .utf16LE, separator: UInt8(ascii: "\t")) }
        let encoding: Encoding = prefix.starts(with: [0xEF, 0xBB, 0xBF]) ? .utf8WithBOM : .utf8
        let firstLine = prefix.prefix { $0 != UInt8(ascii: "\n") }
        let commas = firstLine.count { $0 == UInt8(ascii: ",") }
        let semicolons = firstLine.count { $0 == UInt8(ascii: ";") }
        let tabs = firstLine.count { $0 == UInt8(ascii: "\t") }
        let separator: UInt8 =
            if tabs > max(commas, semicolons) { UInt8(ascii: "\t") } else if semicolons > commas {
                UInt8(ascii: ";")
            } else {
                UInt8(ascii: ",")
            }
        return CSVFormat(encoding: encoding, separator: separator)
    }
}

/// Streams a CSV file (RFC 4180 quoting, fields may span lines) in fixed-size chunks.
public struct CSVReader: SheetReader {
    public let url: URL
    public let format: CSVFormat
    static let chunkSize = 1 << 16

    public init(url: URL) throws {
        self.url = url
        guard let handle = FileHandle(forReadingAtPath: url.path) else { throw SheetError("cannot open \(url.path)") }
        defer { try? handle.close() }
        format = CSVFormat.detect(Array(handle.readData(ofLength: 4096)))
    }

    public init(url: URL, format: CSVFormat) {
        self.url = url
        self.format = format
    }

    public func forEachRow(_ body: (SheetRow) throws -> Void) throws {
        guard let handle = FileHandle(forReadingAtPath: url.path) else { throw SheetError("cannot open \(url.path)") }
        defer { try? handle.close() }
        var decoder = UTF8Stream(encoding: format.encoding)
        var parser = CSVParser(separator: format.separator)
        var rowNumber = 0
        func emit(_ fields: [String]) throws {
            rowNumber += 1
            try body(SheetRow(number: rowNumber, cells: fields.map { $0.isEmpty ? .empty : .text($0) }))
        }
        while true {
            let chunk = handle.readData(ofLength: Self.chunkSize)
            if chunk.isEmpty { break }
            for fields in parser.feed(decoder.decode(Array(chunk))) { try emit(fields) }
        }
        if let fields = parser.finish() { try emit(fields) }
    }
}

/// Turns the file's bytes into UTF-8 chunk by chunk, dropping the BOM; a UTF-16 code unit or
/// surrogate pair split across chunks is carried over to the next one.
struct UTF8Stream {
    let encoding: CSVFormat.Encoding
    private var started = false
    private var carry: [UInt8] = []

    init(encoding: CSVFormat.Encoding) {
        self.encoding = encoding
    }

    mutating func decode(_ bytes: [UInt8]) -> [UInt8] {
        var bytes = carry + bytes
        carry = []
        if !started {
            // The BOM is looked for only once enough bytes have come to hold it.
            guard bytes.count >= 3 else {
                carry = bytes
                return []
            }
            started = true
            switch encoding {
            case .utf8WithBOM: if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
            case .utf16LE: if bytes.starts(with: [0xFF, 0xFE]) { bytes.removeFirst(2) }
            case .utf8: break
            }
        }
        guard encoding == .utf16LE else { return bytes }
        var units = stride(from: 0, to: bytes.count - 1, by: 2).map { UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8 }
        if bytes.count % 2 == 1, let last = bytes.last { carry = [last] }
        if let last = units.last, UTF16.isLeadSurrogate(last) {
            units.removeLast()
            carry = [UInt8(last & 0xFF), UInt8(last >> 8)] + carry
        }
        return Array(String(decoding: units, as: UTF16.self).utf8)
    }
}

/// The CSV state machine over UTF-8 bytes; separators and quotes are ASCII, so multi-byte letters pass through.
struct CSVParser {
    let separator: UInt8
    private var field: [UInt8] = []
    private var fields: [String] = []
    private var inQuotes = false
    private var quotePending = false
    private var rowHasContent = false

    init(separator: UInt8) {
        self.separator = separator
    }

    mutating func feed(_ bytes: [UInt8]) -> [[String]] {
        var rows: [[String]] = []
        for byte in bytes {
            if inQuotes {
                if quotePending {
                    quotePending = false
                    if byte == UInt8(ascii: "\"") {
                        field.append(byte)
                        continue
                    }
                    inQuotes = false
                } else if byte == UInt8(ascii: "\"") {
                    quotePending = true
                    continue
                } else {
                    field.append(byte)
                    continue
                }
            }
            switch byte {
            case UInt8(ascii: "\""):
                inQuotes = true
                rowHasContent = true
            case separator:
                endField()
                rowHasContent = true
            case UInt8(ascii: "\n"):
                if let row = endRow() { rows.append(row) }
            case UInt8(ascii: "\r"):
                continue
            default:
                field.append(byte)
                rowHasContent = true
            }
        }
        return rows
    }

    /// The last row when the file does not end with a line break.
    mutating func finish() -> [String]? {
        if quotePending {
            quotePending = false
            inQuotes = false
        }
        return endRow()
    }

    private mutating func endField() {
        fields.append(String(decoding: field, as: UTF8.self))
        field.removeAll(keepingCapacity: true)
    }

    private mutating func endRow() -> [String]? {
        defer { rowHasContent = false }
        guard rowHasContent || !field.isEmpty else { return nil }
        endField()
        let row = fields
        fields.removeAll(keepingCapacity: true)
        return row
    }
}
