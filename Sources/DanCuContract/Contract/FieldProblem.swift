/// A machine-readable reason in an outcome's `errors` list. Portals branch on these codes;
/// the messages beside them are for people.
public struct ProblemCode: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    // The request is malformed (`invalid_request`).
    public static let missing = Self(rawValue: "missing")
    public static let wrongType = Self(rawValue: "wrong_type")
    public static let unknownKey = Self(rawValue: "unknown_key")
    public static let repeatedKey = Self(rawValue: "repeated_key")
    public static let unknownValue = Self(rawValue: "unknown_value")
    public static let invalidFormat = Self(rawValue: "invalid_format")
    public static let invalidCharacters = Self(rawValue: "invalid_characters")
    public static let tooLong = Self(rawValue: "too_long")
    public static let empty = Self(rawValue: "empty")
    public static let invalidDate = Self(rawValue: "invalid_date")
    public static let dateInFuture = Self(rawValue: "date_in_future")
    public static let dateTooEarly = Self(rawValue: "date_too_early")
    public static let unknownProvinceCode = Self(rawValue: "unknown_province_code")
    public static let notApplicable = Self(rawValue: "not_applicable")
    /// The last entry of a list cut at `RequestReader.maximumListedProblems`: there are more problems.
    public static let moreProblems = Self(rawValue: "more_problems")

    // The request is well formed but this portal may not make it (`forbidden`).
    public static let portalMismatch = Self(rawValue: "portal_mismatch")
    public static let typeNotAllowed = Self(rawValue: "type_not_allowed")
    public static let procedureNotConfigured = Self(rawValue: "procedure_not_configured")
    public static let fieldNotAllowed = Self(rawValue: "field_not_allowed")

    // No citizen can match: the CCCD's own digits contradict the date of birth (`not_verified`/`not_found`).
    public static let idNumberCenturyMismatch = Self(rawValue: "id_number_century_mismatch")
    public static let idNumberYearMismatch = Self(rawValue: "id_number_year_mismatch")

    // Deadline already passed when the request arrived (`expired`).
    public static let deadlinePassed = Self(rawValue: "deadline_passed")

    /// Whether the problem refuses the request rather than saying it is malformed.
    public var isForbidden: Bool {
        Self.forbiddenCodes.contains(self)
    }

    private static let forbiddenCodes: Set<ProblemCode> = [
        .portalMismatch, .typeNotAllowed, .procedureNotConfigured, .fieldNotAllowed,
    ]
}

/// One entry of an outcome's `errors` list: where (`citizen.dateOfBirth`, `fields[2]`), why, and
/// a Vietnamese explanation for the officer. Never carries the offending value: it is personal data.
public struct FieldProblem: Sendable, Hashable, Codable {
    public var field: String
    public var code: ProblemCode
    public var message: String

    public init(field: String, code: ProblemCode, message: String) {
        self.field = field
        self.code = code
        self.message = message
    }

    package func write(to writer: inout ContractJSONWriter) {
        writer.object { writer in
            writer.member("code", code.rawValue)
            writer.member("field", field)
            writer.member("message", message)
        }
    }
}

/// A problem with one value, before it is placed at a field path.
public struct ValueIssue: Error, Sendable, Hashable {
    public var code: ProblemCode
    public var message: String

    func at(_ field: String) -> FieldProblem {
        FieldProblem(field: field, code: code, message: message)
    }
}
