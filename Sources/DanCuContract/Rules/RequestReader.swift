import Foundation

/// Turns a message's bytes into a JSON object and its `requestId`: without both, no outcome can be
/// addressed and the message becomes a dead letter.
enum RequestParser {
    struct Parsed {
        var requestId: String
        var object: JSONObject
    }

    static func parse(_ value: [UInt8]) -> Result<Parsed, DeadLetterReason> {
        // The parser copies string bytes unchecked: the whole message is checked once, here.
        guard String(validating: value, as: UTF8.self) != nil else { return .failure(.notUTF8) }
        let object: JSONObject
        switch JSONParser.parse(value) {
        case .success(.object(let parsed)): object = parsed
        case .success: return .failure(.notJSON)
        case .failure(.syntax): return .failure(.notJSON)
        case .failure(.tooDeep): return .failure(.nestedTooDeep(limit: JSONParser.maximumDepth))
        }
        guard let requestId = object[RequestKey.requestId]?.string else {
            return .failure(.missingRequestId)
        }
        guard RequestId.isUsable(requestId) else { return .failure(.unusableRequestId) }
        return .success(Parsed(requestId: requestId, object: object))
    }
}

/// The request's JSON keys.
enum RequestKey {
    static let requestId = "requestId"
    static let portal = "portal"
    static let type = "type"
    static let citizen = "citizen"
    static let legacyIdNumber = "legacyIdNumber"
    static let procedureCode = "procedureCode"
    static let fields = "fields"
    static let channel = "channel"
    static let officerId = "officerId"
    static let requestedAt = "requestedAt"
    static let deadline = "deadline"
    static let all: Set<String> = [
        requestId, portal, type, citizen, legacyIdNumber, procedureCode, fields, channel, officerId, requestedAt,
        deadline,
    ]

    enum Citizen {
        static let fullName = "fullName"
        static let idNumber = "idNumber"
        static let dateOfBirth = "dateOfBirth"
        static let all: Set<String> = [fullName, idNumber, dateOfBirth]
    }
}

/// A tolerant walk over one request object that records every problem with its field path, then
/// decides. One reader per message.
struct RequestReader {
    private static let maximumOfficerIdLength = 128
    /// Characters alone do not bound text: one character can carry any number of combining marks.
    private static let maximumOfficerIdBytes = 4 * maximumOfficerIdLength
    /// At most this many problems are listed, then one entry says there are more: a message of 8,000 unknown
    /// keys would otherwise get an outcome of 750 KB.
    static let maximumListedProblems = 20
    /// Fields a `link` outcome releases: enough to update the account, nothing more.
    private static let linkFields: [CitizenField] = [.fullName, .idNumber, .legacyIdNumber, .dateOfBirth]

    let rules: ContractRules
    let portal: PortalConfiguration
    let receivedAt: Date
    private var problems: [FieldProblem] = []

    init(rules: ContractRules, portal: PortalConfiguration, receivedAt: Date) {
        self.rules = rules
        self.portal = portal
        self.receivedAt = receivedAt
    }

    mutating func decide(_ parsed: RequestParser.Parsed) -> RequestDecision {
        let object = parsed.object
        checkKeys(of: object, allowed: RequestKey.all, under: nil)
        checkPortal(object[RequestKey.portal])
        let type: RequestType? = enumeration(object[RequestKey.type], at: RequestKey.type, required: true)
        if let type, !portal.requestTypes.contains(type) {
            report(
                RequestKey.type,
                .typeNotAllowed,
                "Cổng \(portal.displayName) không được phép gửi yêu cầu loại \(type.rawValue)."
            )
        }
        let channel: Channel =
            enumeration(object[RequestKey.channel], at: RequestKey.channel, required: false) ?? .online
        let citizen = readCitizen(object[RequestKey.citizen], type: type)
        let legacyIdNumber = readLegacyIdNumber(object[RequestKey.legacyIdNumber], type: type)
        let procedureCode = readProcedureCode(
            object[RequestKey.procedureCode],
            type: type,
            fieldsGiven: object[RequestKey.fields] != nil
        )
        let releasedFields = readReleasedFields(
            object[RequestKey.fields],
            type: type,
            procedureCode: procedureCode,
            citizen: citizen
        )
        let officerId = readOfficerId(object[RequestKey.officerId])
        let requestedAt = timestamp(object[RequestKey.requestedAt], at: RequestKey.requestedAt)
        let deadline = timestamp(object[RequestKey.deadline], at: RequestKey.deadline)

        guard problems.isEmpty, let type, let citizen else {
            return .answer(rejection(requestId: parsed.requestId, type: type))
        }
        let request = ValidatedRequest(
            requestId: parsed.requestId,
            portal: portal.id,
            type: type,
            channel: channel,
            citizen: citizen,
            legacyIdNumber: legacyIdNumber,
            procedureCode: procedureCode,
            releasedFields: releasedFields,
            officerId: officerId,
            requestedAt: requestedAt,
            deadline: deadline ?? receivedAt.addingTimeInterval(rules.policy.deadlines[channel].seconds),
            receivedAt: receivedAt
        )
        if request.deadline <= receivedAt {
            var outcome = request.expired(attempts: 0, completedAt: receivedAt)
            outcome.errors = [
                FieldProblem(
                    field: RequestKey.deadline,
                    code: .deadlinePassed,
                    message: "Thời hạn xử lý đã qua khi yêu cầu đến hệ thống."
                )
            ]
            return .answer(outcome)
        }
        if let cccd = CCCDNumber(citizen.idNumber), let dateOfBirth = citizen.dateOfBirth,
            let issue = cccd.contradiction(with: dateOfBirth)
        {
            return .answer(
                request.notFound(
                    source: .gateway,
                    attempts: 0,
                    completedAt: receivedAt,
                    errors: [issue.at("\(RequestKey.citizen).\(RequestKey.Citizen.idNumber)")]
                )
            )
        }
        return .query(request)
    }

    // MARK: - Fields

    private mutating func checkKeys(of object: JSONObject, allowed: Set<String>, under parent: String?) {
        let path = { (key: String) in parent.map { "\($0).\(key)" } ?? key }
        for key in object.repeatedKeys {
            report(path(key), .repeatedKey, "Trường xuất hiện nhiều lần; chỉ được có một.")
        }
        for key in object.keys.sorted() where !allowed.contains(key) {
            report(path(key), .unknownKey, "Trường không có trong hợp đồng.")
        }
    }

    private mutating func checkPortal(_ value: JSONValue?) {
        guard let value else { return }
        guard let claimed = value.string else {
            report(RequestKey.portal, .wrongType, "Phải là chuỗi ký tự.")
            return
        }
        if claimed.trimmingBlanks != portal.id {
            report(
                RequestKey.portal,
                .portalMismatch,
                "Trường portal không khớp với cổng gửi yêu cầu (\(portal.id))."
            )
        }
    }

    private mutating func readCitizen(_ value: JSONValue?, type: RequestType?) -> ValidatedRequest.Citizen? {
        let path = RequestKey.citizen
        guard let value else {
            report(path, .missing, "Thiếu thông tin công dân (họ tên, số CMND/CCCD, ngày sinh).")
            return nil
        }
        guard let object = value.object else {
            report(path, .wrongType, "Phải là một đối tượng JSON.")
            return nil
        }
        checkKeys(of: object, allowed: RequestKey.Citizen.all, under: path)
        // A link needs the two numbers alone: accounts being cleaned up often hold no reliable name or date.
        let needsIdentity = type != .link
        let fullName = check(
            object[RequestKey.Citizen.fullName],
            at: "\(path).\(RequestKey.Citizen.fullName)",
            required: needsIdentity
        ) { [tones = rules.settings.names.tonePlacement] in
            FullName.normalize($0, tones: tones)
        }
        let idNumberPath = "\(path).\(RequestKey.Citizen.idNumber)"
        let idNumber = check(object[RequestKey.Citizen.idNumber], at: idNumberPath, required: true) { raw in
            type == .link
                ? IdNumber.check(raw, digits: IdNumber.cccdLength, label: "Với yêu cầu link, số CCCD")
                    .flatMap(IdNumber.check)
                : IdNumber.check(raw)
        }
        let today = receivedAt
        let dateOfBirth = check(
            object[RequestKey.Citizen.dateOfBirth],
            at: "\(path).\(RequestKey.Citizen.dateOfBirth)",
            required: needsIdentity
        ) { DateOfBirth.parse($0, today: today) }
        // A value given but invalid has been reported, which rejects the request whatever is returned here.
        guard let idNumber, !needsIdentity || (fullName != nil && dateOfBirth != nil) else { return nil }
        return ValidatedRequest.Citizen(fullName: fullName, idNumber: idNumber, dateOfBirth: dateOfBirth)
    }

    private mutating func readLegacyIdNumber(_ value: JSONValue?, type: RequestType?) -> String? {
        let path = RequestKey.legacyIdNumber
        guard type == .link else {
            if value != nil, type != nil {
                report(path, .notApplicable, "Chỉ dùng cho yêu cầu link.")
            }
            return nil
        }
        guard value != nil else {
            report(path, .missing, "Yêu cầu link cần số CMND 9 chữ số.")
            return nil
        }
        return check(value, at: path) { IdNumber.check($0, digits: IdNumber.cmndLength, label: "Số CMND") }
    }

    private mutating func readProcedureCode(_ value: JSONValue?, type: RequestType?, fieldsGiven: Bool) -> String? {
        let path = RequestKey.procedureCode
        guard value != nil else {
            if type == .lookup {
                report(path, .missing, "Yêu cầu tra cứu cần mã thủ tục hành chính.")
            } else if type == .verify, fieldsGiven {
                report(path, .missing, "Yêu cầu xác thực kèm danh sách trường cần mã thủ tục hành chính.")
            }
            return nil
        }
        return check(value, at: path) { code in
            ProcedureConfiguration.isValidCode(code)
                ? .success(code)
                : .failure(
                    ValueIssue(
                        code: .invalidFormat,
                        message: "Mã thủ tục gồm 1-64 ký tự A-Z a-z 0-9 . _ -, ví dụ 1.001193."
                    )
                )
        }
    }

    private mutating func readReleasedFields(
        _ value: JSONValue?,
        type: RequestType?,
        procedureCode: String?,
        citizen: ValidatedRequest.Citizen?
    ) -> [CitizenField] {
        let path = RequestKey.fields
        switch type {
        case .lookup:
            break
        case .verify:
            // A verify fills the form only with the fields it names; without them it is a yes or no.
            guard value != nil else { return [] }
        case .link:
            if value != nil { report(path, .notApplicable, "Chỉ dùng cho yêu cầu lookup và verify.") }
            // What the request carried, and nothing more.
            return Self.linkFields.filter { field in
                switch field {
                case .fullName: citizen?.fullName != nil
                case .dateOfBirth: citizen?.dateOfBirth != nil
                default: true
                }
            }
        case nil:
            return []
        }
        let procedure = procedureCode.flatMap(rules.procedure(forCode:))
        if let procedureCode, procedure == nil {
            report(
                RequestKey.procedureCode,
                .procedureNotConfigured,
                "Thủ tục \(procedureCode) chưa được cấu hình để tra cứu thông tin công dân."
            )
        }
        // A lookup by CMND gets the CCCD only for the clean-up procedure: elsewhere the portal learns no
        // number it did not already hold.
        let byLegacyNumber = citizen.map { $0.idNumber.utf8.count == IdNumber.cmndLength } ?? false
        let withholdsCCCD = byLegacyNumber && procedure != nil && procedure?.code != rules.settings.cmndCleanupProcedure
        let allowed = (procedure?.fields ?? []).filter { !(withholdsCCCD && $0 == .idNumber) }
        guard let value else { return allowed.sorted() }
        guard let items = value.array else {
            report(path, .wrongType, "Phải là một danh sách tên trường.")
            return []
        }
        if items.isEmpty {
            report(
                path,
                .empty,
                "Liệt kê ít nhất một trường, hoặc bỏ trường fields để nhận mọi trường thủ tục cho phép."
            )
        }
        var requested = Set<CitizenField>()
        for (index, item) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            guard let field = item.string.map(\.trimmingBlanks).flatMap(CitizenField.init(rawValue:)) else {
                report(itemPath, .unknownValue, "Không phải tên trường thông tin công dân.")
                continue
            }
            if let procedure, !procedure.fields.contains(field) {
                report(
                    itemPath,
                    .fieldNotAllowed,
                    "Thủ tục \(procedure.code) không được phép nhận trường \(field.rawValue)."
                )
            } else if procedure != nil, !allowed.contains(field) {
                report(
                    itemPath,
                    .fieldNotAllowed,
                    "Tra cứu bằng số CMND chỉ nhận được số CCCD với thủ tục làm sạch tài khoản."
                )
            }
            requested.insert(field)
        }
        return requested.sorted()
    }

    private mutating func readOfficerId(_ value: JSONValue?) -> String? {
        check(value, at: RequestKey.officerId) { officerId in
            guard officerId.utf8.count <= Self.maximumOfficerIdBytes else {
                return .failure(
                    ValueIssue(
                        code: .tooLong,
                        message: "Mã cán bộ dài tối đa \(Self.maximumOfficerIdBytes) byte (UTF-8)."
                    )
                )
            }
            guard (1...Self.maximumOfficerIdLength).contains(officerId.count) else {
                return .failure(
                    ValueIssue(code: .invalidFormat, message: "Mã cán bộ dài 1-\(Self.maximumOfficerIdLength) ký tự.")
                )
            }
            guard !officerId.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                return .failure(ValueIssue(code: .invalidCharacters, message: "Mã cán bộ chứa ký tự điều khiển."))
            }
            return .success(officerId)
        }
    }

    // MARK: - Values

    /// Runs `validate` on a string value.
    private mutating func check<T>(
        _ value: JSONValue?,
        at path: String,
        required: Bool = false,
        _ validate: (String) -> Result<T, ValueIssue>
    ) -> T? {
        guard let value else {
            if required { report(path, .missing, "Thiếu thông tin bắt buộc.") }
            return nil
        }
        guard let text = value.string else {
            report(path, .wrongType, "Phải là chuỗi ký tự.")
            return nil
        }
        switch validate(text.trimmingBlanks) {
        case .success(let checked):
            return checked
        case .failure(let issue):
            problems.append(issue.at(path))
            return nil
        }
    }

    private mutating func enumeration<T: RawRepresentable & CaseIterable>(
        _ value: JSONValue?,
        at path: String,
        required: Bool
    ) -> T? where T.RawValue == String {
        guard let value else {
            if required { report(path, .missing, "Thiếu thông tin bắt buộc.") }
            return nil
        }
        guard let text = value.string else {
            report(path, .wrongType, "Phải là chuỗi ký tự.")
            return nil
        }
        guard let parsed = T(rawValue: text.trimmingBlanks) else {
            let accepted = T.allCases.map(\.rawValue).joined(separator: ", ")
            report(path, .unknownValue, "Giá trị được chấp nhận: \(accepted).")
            return nil
        }
        return parsed
    }

    private mutating func timestamp(_ value: JSONValue?, at path: String) -> Date? {
        check(value, at: path) { text in
            Timestamp.parse(text).map { .success($0) }
                ?? .failure(
                    ValueIssue(
                        code: .invalidFormat,
                        message: "Thời điểm theo RFC 3339, ví dụ 2024-05-20T08:30:00+07:00."
                    )
                )
        }
    }

    private mutating func report(_ path: String, _ code: ProblemCode, _ message: String) {
        problems.append(FieldProblem(field: path, code: code, message: message))
    }

    /// The first `maximumListedProblems` problems, those that make the request `forbidden` first (they decide
    /// its status), then one entry saying there are more, without their number.
    static func listed(_ problems: [FieldProblem]) -> [FieldProblem] {
        guard problems.count > maximumListedProblems else { return problems }
        let forbiddenFirst = problems.filter(\.code.isForbidden) + problems.filter { !$0.code.isForbidden }
        return Array(forbiddenFirst.prefix(maximumListedProblems))
            + [
                FieldProblem(
                    field: "",
                    code: .moreProblems,
                    message: "Còn lỗi khác chưa được liệt kê; sửa các lỗi trên rồi gửi lại để xem các lỗi còn lại."
                )
            ]
    }

    private func rejection(requestId: String, type: RequestType?) -> Outcome {
        let isForbidden = problems.contains { $0.code.isForbidden }
        return Outcome(
            requestId: requestId,
            portal: portal.id,
            type: type,
            status: isForbidden ? .forbidden : .invalidRequest,
            message: isForbidden ? ResultText.forbidden : ResultText.invalidRequest(problemCount: problems.count),
            errors: Self.listed(problems),
            source: .gateway,
            attempts: 0,
            receivedAt: receivedAt,
            completedAt: receivedAt
        )
    }
}
