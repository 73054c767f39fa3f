import DanCuContract
import Foundation

/// An officer's spreadsheet: the first sheet of an `.xlsx`, or a `.csv` in any of Excel's encodings.
public enum CampaignFile: Sendable {
    case xlsx(URL)
    case csv(URL, CSVFormat)

    public init(path: String) throws {
        let url = URL(fileURLWithPath: path)
        switch url.pathExtension.lowercased() {
        case "xlsx": self = .xlsx(url)
        case "csv", "txt": self = .csv(url, try CSVReader(url: url).format)
        default: throw CampaignError("\(path): give an .xlsx or .csv file")
        }
    }

    public var url: URL {
        switch self {
        case .xlsx(let url), .csv(let url, _): url
        }
    }

    public func reader() -> any SheetReader {
        switch self {
        case .xlsx(let url): XLSXReader(url: url)
        case .csv(let url, let format): CSVReader(url: url, format: format)
        }
    }

    /// The output is written in the input's format.
    public func checkOutput(_ path: String) throws {
        let wanted = if case .xlsx = self { "xlsx" } else { "csv" }
        guard URL(fileURLWithPath: path).pathExtension.lowercased() == wanted else {
            throw CampaignError("--out \(path): the result is written in the input's format, give a .\(wanted) file")
        }
    }

    func makeWriter(path: String) throws -> any SheetWriter {
        switch self {
        case .xlsx: try XLSXSheetWriter(path: path)
        case .csv(_, let format): try CSVSheetWriter(path: path, separator: format.separator)
        }
    }

    /// The header row, with every column the request type needs, or what is missing.
    public func header(for type: RequestType) throws -> HeaderMap {
        var header: HeaderMap?
        do {
            try reader().forEachRow { row in
                header = HeaderMap(header: row)
                throw HeaderFound()
            }
        } catch is HeaderFound {}
        guard let header else { throw CampaignError("\(url.lastPathComponent): the first sheet is empty") }
        let missing = header.missing(for: type.rawValue)
        guard missing.isEmpty else {
            throw CampaignError(
                "\(url.lastPathComponent): thiếu cột \(missing.joined(separator: ", ")) trong dòng tiêu đề (missing header columns)"
            )
        }
        return header
    }

    private struct HeaderFound: Error {}

    /// Reads every data row into the store, repaired and made into requests, in batches.
    public func ingest(into store: CampaignStore, settings: CampaignSettings) throws {
        guard !(try store.isIngested()) else { return }
        let header = try header(for: settings.type)
        var batch: [PreparedRow] = []
        var isHeader = true
        try reader().forEachRow { row in
            if isHeader {
                isHeader = false
                return
            }
            guard !row.isBlank else { return }
            batch.append(PreparedRow(row, header: header, settings: settings))
            if batch.count == 1000 {
                try store.ingest(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        try store.ingest(batch)
        try store.markIngested()
    }

    /// Writes every input row and cell unchanged, plus the result columns, reading the input again
    /// in step with the store so that memory stays flat.
    public func writeResults(
        from store: CampaignStore,
        to path: String,
        columns: ResultColumns,
        type: RequestType
    ) throws {
        let header = try header(for: type)
        var writer = try makeWriter(path: path)
        do {
            try store.withResults { results in
                var isHeader = true
                try reader().forEachRow { row in
                    let original = row.cells + Array(repeating: .empty, count: max(0, header.width - row.cells.count))
                    if isHeader {
                        isHeader = false
                        try writer.write(row: row.number, original: original, added: columns.names)
                    } else {
                        try writer.write(
                            row: row.number,
                            original: original,
                            added: columns.cells(for: try results.result(row: row.number))
                        )
                    }
                }
            }
            try writer.close()
        } catch {
            try? writer.close()
            throw error
        }
    }
}
