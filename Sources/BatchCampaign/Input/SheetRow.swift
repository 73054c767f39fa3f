/// One cell as the file stores it, before any repair.
public enum SheetCell: Sendable, Hashable {
    case empty
    /// A shared or inline string (xlsx), or any CSV field.
    case text(String)
    /// A number stored as a number (xlsx only), as its stored text: `89090000123`, `32874`, `1.0909E+11`.
    case number(String)
    /// A number in a date format (xlsx only): Excel's serial day number, e.g. `32983` for 20/04/1990.
    case date(String)

    /// The text to send, compare and write back to a CSV.
    public var text: String {
        switch self {
        case .empty: ""
        case .text(let text), .number(let text), .date(let text): text
        }
    }
}

/// A row of the first sheet: its 1-based row number in the file and its cells, gaps filled with `.empty`.
public struct SheetRow: Sendable, Hashable {
    public var number: Int
    public var cells: [SheetCell]

    public init(number: Int, cells: [SheetCell]) {
        self.number = number
        self.cells = cells
    }

    public subscript(column: Int?) -> SheetCell {
        guard let column, column < cells.count else { return .empty }
        return cells[column]
    }

    public var isBlank: Bool { cells.allSatisfy { $0.text.allSatisfy(\.isWhitespace) } }
}

/// A spreadsheet read row by row; `forEachRow` streams, so memory does not grow with the row count.
public protocol SheetReader {
    /// Calls `body` with every row in file order, the header row first.
    func forEachRow(_ body: (SheetRow) throws -> Void) throws
}

/// The input could not be read as a spreadsheet.
public struct SheetError: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
