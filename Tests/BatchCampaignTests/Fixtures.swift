import BatchCampaign
import Foundation
import Testing

/// Runs `excel_fixtures.py` with Debian's Python (openpyxl) and gives each test its own directory.
enum Fixtures {
    static let script = URL(filePath: #filePath).deletingLastPathComponent().appending(path: "excel_fixtures.py").path

    /// A cell as the fixture script writes and reads it.
    enum Cell: Equatable, CustomStringConvertible {
        case text(String)
        case number(Double)
        case date(String)
        case none

        var json: Any {
            switch self {
            case .text(let text): ["s": text]
            case .number(let number): ["n": number == number.rounded() ? Int64(number) as Any : number]
            case .date(let date): ["d": date]
            case .none: NSNull()
            }
        }

        init(json: Any) {
            guard let object = json as? [String: Any] else {
                self = .none
                return
            }
            if let text = object["s"] as? String {
                self = .text(text)
            } else if let number = object["n"] as? NSNumber {
                self = .number(number.doubleValue)
            } else {
                self = .date(object["d"] as? String ?? "")
            }
        }

        var description: String {
            switch self {
            case .text(let text): "\"\(text)\""
            case .number(let number): "\(number)"
            case .date(let date): "date \(date)"
            case .none: "empty"
            }
        }
    }

    static func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appending(path: "dancu-batch-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @discardableResult
    static func python(_ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(filePath: "/usr/bin/env")
        process.arguments = ["python3", script] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let problem = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FixtureError(
                description: "excel_fixtures.py \(arguments.first ?? ""): " + String(decoding: problem, as: UTF8.self)
            )
        }
        return data
    }

    private static func spec(_ rows: [[Cell]], in directory: URL) throws -> String {
        let path = directory.appending(path: "spec-\(UUID().uuidString).json").path
        let data = try JSONSerialization.data(withJSONObject: ["rows": rows.map { $0.map(\.json) }])
        try data.write(to: URL(filePath: path))
        return path
    }

    static func writeXLSX(_ rows: [[Cell]], to url: URL) throws {
        try python(["write-xlsx", try spec(rows, in: url.deletingLastPathComponent()), url.path])
    }

    /// `encoding`: `utf-8-sig` (BOM), `utf-8` or `utf-16` (LE with BOM); `separator`: `,`, `;` or `tab`.
    static func writeCSV(_ rows: [[Cell]], to url: URL, encoding: String, separator: String) throws {
        try python(["write-csv", try spec(rows, in: url.deletingLastPathComponent()), url.path, encoding, separator])
    }

    static func readXLSX(_ url: URL) throws -> [[Cell]] {
        let object = try JSONSerialization.jsonObject(with: try python(["read-xlsx", url.path])) as? [String: Any]
        let rows = object?["rows"] as? [[Any]] ?? []
        return rows.map { $0.map(Cell.init(json:)) }
    }

    /// Our own CSV output read back as text rows (the file's BOM checked by the caller).
    static func readCSV(_ url: URL) throws -> [[String]] {
        var rows: [[String]] = []
        try CSVReader(url: url).forEachRow { rows.append($0.cells.map(\.text)) }
        return rows
    }

    struct FixtureError: Error, CustomStringConvertible {
        let description: String
    }
}
