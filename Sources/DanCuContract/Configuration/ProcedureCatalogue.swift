import DanCuConfig
import Foundation

/// A province's procedure catalogue as a CSV file (`contract.procedureCatalogue`): a header naming the
/// columns `code`, `name` and `fields`, then one procedure per line, the fields separated by `;` or spaces
/// (`fullName;idNumber;dateOfBirth`). UTF-8 with or without a byte-order mark, as spreadsheets export it;
/// quoted values may hold commas and doubled quotes. Every problem names the file and the line.
public enum ProcedureCatalogue {
    static let key = "contract.procedureCatalogue"

    /// The procedures of the file at `path`.
    public static func load(path: String) throws(ConfigurationError) -> [ProcedureConfiguration] {
        let bytes: Data
        do {
            bytes = try Data(contentsOf: URL(filePath: path))
        } catch {
            throw ConfigurationError(key: key, message: "\(path): cannot be read (\(error.localizedDescription))")
        }
        return try parse(Array(bytes), file: path)
    }

    /// The procedures of a catalogue's bytes; `file` names it in errors.
    public static func parse(_ bytes: [UInt8], file: String) throws(ConfigurationError) -> [ProcedureConfiguration] {
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        guard let text = String(validating: body, as: UTF8.self) else {
            throw ConfigurationError(key: key, message: "\(file): not UTF-8 text (save the sheet as CSV UTF-8)")
        }
        var issues: [ConfigurationError.Issue] = []
        func report(_ line: Int, _ message: String) {
            issues.append(.init(key: key, message: "\(file) line \(line): \(message)"))
        }
        let rows = records(of: text)
        guard let header = rows.first else {
            throw ConfigurationError(
                key: key,
                message: "\(file): empty; the first line names the columns code,name,fields"
            )
        }
        let columns = header.values.map { $0.trimmingBlanks.lowercased() }
        guard let codeColumn = columns.firstIndex(of: "code"), let fieldsColumn = columns.firstIndex(of: "fields")
        else {
            throw ConfigurationError(
                key: key,
                message: "\(file) line \(header.line): the header must name the columns code, name and fields"
            )
        }
        let nameColumn = columns.firstIndex(of: "name")
        var procedures: [ProcedureConfiguration] = []
        var lineOfCode: [String: Int] = [:]
        for row in rows.dropFirst() where !row.values.allSatisfy({ $0.trimmingBlanks.isEmpty }) {
            func column(_ index: Int?) -> String {
                index.flatMap { row.values.indices.contains($0) ? row.values[$0] : nil }?.trimmingBlanks ?? ""
            }
            let code = column(codeColumn)
            if !ProcedureConfiguration.isValidCode(code) || code == ProcedureConfiguration.defaultCode {
                report(row.line, "code '\(code)' must be 1-64 characters of A-Z a-z 0-9 . _ - (and not 'default')")
            } else if let first = lineOfCode[code] {
                report(row.line, "code \(code) is already on line \(first)")
            }
            lineOfCode[code] = lineOfCode[code] ?? row.line
            let names = column(fieldsColumn).split(whereSeparator: { $0 == ";" || $0.isWhitespace }).map(String.init)
            var fields: [CitizenField] = []
            for name in names {
                if let field = CitizenField(rawValue: name) {
                    fields.append(field)
                } else {
                    report(row.line, "unknown field '\(name)'")
                }
            }
            if names.isEmpty { report(row.line, "fields: list at least one field") }
            procedures.append(ProcedureConfiguration(code: code, name: column(nameColumn), fields: fields))
        }
        guard issues.isEmpty else { throw ConfigurationError(issues: issues) }
        return procedures
    }

    /// The records of RFC 4180 text with the line each starts on; line ends inside quotes belong to the value.
    static func records(of text: String) -> [(line: Int, values: [String])] {
        var records: [(line: Int, values: [String])] = []
        var values: [String] = []
        var value = ""
        var quoted = false
        var line = 1
        var recordLine = 1
        var iterator = text.makeIterator()
        var pending = iterator.next()
        while let character = pending {
            pending = iterator.next()
            if quoted {
                if character == "\"" {
                    if pending == "\"" {
                        value.append("\"")
                        pending = iterator.next()
                    } else {
                        quoted = false
                    }
                } else {
                    if character.isNewline { line += 1 }
                    value.append(character)
                }
                continue
            }
            switch character {
            case "\"":
                quoted = true
            case ",":
                values.append(value)
                value = ""
            case _ where character.isNewline:
                values.append(value)
                records.append((recordLine, values))
                values = []
                value = ""
                line += 1
                recordLine = line
            default:
                value.append(character)
            }
        }
        if !value.isEmpty || !values.isEmpty {
            values.append(value)
            records.append((recordLine, values))
        }
        return records
    }
}
