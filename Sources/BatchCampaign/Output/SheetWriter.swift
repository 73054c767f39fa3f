import CXlsxWriter
import Foundation

/// Writes the output row by row in the input's format.
public protocol SheetWriter {
    /// `original` unchanged, then `added` as text.
    mutating func write(row number: Int, original: [SheetCell], added: [String]) throws
    mutating func close() throws
}

/// `.csv` out: UTF-8 with a BOM (Excel then opens Vietnamese text right), the input's separator
/// (a tab-separated "Unicode text" input gets commas), fields quoted when they need it.
public struct CSVSheetWriter: SheetWriter {
    private let handle: FileHandle
    private let separator: UInt8
    private var buffer: [UInt8] = [0xEF, 0xBB, 0xBF]

    public init(path: String, separator: UInt8) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw SheetError("cannot create \(path)")
        }
        self.handle = handle
        self.separator = separator == UInt8(ascii: "\t") ? UInt8(ascii: ",") : separator
    }

    public mutating func write(row number: Int, original: [SheetCell], added: [String]) throws {
        for (index, text) in (original.map(\.text) + added).enumerated() {
            if index > 0 { buffer.append(separator) }
            append(text)
        }
        buffer.append(contentsOf: [UInt8(ascii: "\r"), UInt8(ascii: "\n")])
        if buffer.count > 1 << 16 { try flush() }
    }

    public mutating func close() throws {
        try flush()
        try handle.close()
    }

    private mutating func append(_ text: String) {
        let bytes = Array(text.utf8)
        let needsQuotes = bytes.contains {
            $0 == separator || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r")
        }
        guard needsQuotes else { return buffer.append(contentsOf: bytes) }
        buffer.append(UInt8(ascii: "\""))
        for byte in bytes {
            if byte == UInt8(ascii: "\"") { buffer.append(byte) }
            buffer.append(byte)
        }
        buffer.append(UInt8(ascii: "\""))
    }

    private mutating func flush() throws {
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}

/// `.xlsx` out through libxlsxwriter in constant-memory mode: each row goes to disk once the next
/// starts, so rows must come in order. Numbers stay numbers and dates stay dates.
public final class XLSXSheetWriter: SheetWriter {
    private var workbook: UnsafeMutablePointer<lxw_workbook>?
    private let worksheet: UnsafeMutablePointer<lxw_worksheet>
    private let dateFormat: UnsafeMutablePointer<lxw_format>
    private let path: String

    public init(path: String) throws {
        var options = lxw_workbook_options(constant_memory: 1, tmpdir: nil, use_zip64: 1)
        guard let workbook = workbook_new_opt(path, &options), let worksheet = workbook_add_worksheet(workbook, nil),
            let dateFormat = workbook_add_format(workbook)
        else { throw SheetError("cannot create \(path)") }
        format_set_num_format(dateFormat, "dd/mm/yyyy")
        self.workbook = workbook
        self.worksheet = worksheet
        self.dateFormat = dateFormat
        self.path = path
    }

    deinit {
        // A writer dropped after an error still releases the library's memory and temporary files.
        if let workbook { workbook_close(workbook) }
    }

    public func write(row number: Int, original: [SheetCell], added: [String]) throws {
        let row = lxw_row_t(number - 1)
        for (column, cell) in original.enumerated() {
            let result: lxw_error
            switch cell {
            case .empty: continue
            case .text(let text): result = worksheet_write_string(worksheet, row, lxw_col_t(column), text, nil)
            case .number(let text), .date(let text):
                let format: UnsafeMutablePointer<lxw_format>? = if case .date = cell { dateFormat } else { nil }
                result =
                    if let value = Double(text) {
                        worksheet_write_number(worksheet, row, lxw_col_t(column), value, format)
                    } else {
                        worksheet_write_string(worksheet, row, lxw_col_t(column), text, nil)
                    }
            }
            try check(result, row: number)
        }
        for (offset, text) in added.enumerated() where !text.isEmpty {
            try check(
                worksheet_write_string(worksheet, row, lxw_col_t(original.count + offset), text, nil),
                row: number
            )
        }
    }

    public func close() throws {
        guard let workbook else { return }
        self.workbook = nil
        try check(workbook_close(workbook), row: nil)
    }

    private func check(_ result: lxw_error, row: Int?) throws {
        guard result != LXW_NO_ERROR else { return }
        let reason = String(cString: lxw_strerror(result))
        throw SheetError("\(path)\(row.map { " row \($0)" } ?? ""): \(reason)")
    }
}
