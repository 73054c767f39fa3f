public import DanCuContract

/// The population database's SOAP 1.1 messages: requests (written by the client, read by the
/// simulator), answers and faults (written by the simulator, read by the client).
public enum PopulationSOAP {
    public static let envelopeNamespace = "http://schemas.xmlsoap.org/soap/envelope/"
    /// Namespace of the operations and their request elements.
    public static let requestNamespace = "http://dancuquocgia.bca"
    /// Namespace of `CongdanCollection` in lookup answers.
    public static let citizenNamespace = "http://www.mic.gov.vn/dancu/1.0"

    /// The `SOAPAction` header value for an operation.
    public static func soapAction(for operation: PopulationOperation) -> String {
        "\"\(requestNamespace)/\(operation.rawValue)\""
    }

    // MARK: Requests

    /// A request as the service receives it.
    public struct Request: Sendable, Hashable {
        public var operation: PopulationOperation
        /// `MaTichHop`: which integration (province system) is calling.
        public var integrationCode: String?
        public var query: PopulationQuery

        public init(operation: PopulationOperation, integrationCode: String?, query: PopulationQuery) {
            self.operation = operation
            self.integrationCode = integrationCode
            self.query = query
        }
    }

    /// The envelope for one request, elements in the order the service's schema defines.
    public static func encode(_ request: Request) -> String {
        let query = request.query
        var writer = XMLWriter()
        writer.element("soap:Envelope", attributes: ["xmlns:soap": envelopeNamespace, "xmlns:dc": requestNamespace]) {
            $0.element("soap:Body") {
                $0.element("dc:" + request.operation.rawValue) {
                    $0.element("dc:MaYeuCau", query.requestId)
                    $0.element("dc:MaDVC", query.serviceCode)
                    $0.element("dc:MaTichHop", request.integrationCode)
                    $0.element("dc:MaCanBo", query.officerId)
                    $0.element(query.idKind == .legacyIdentityCard ? "dc:SoCMND" : "dc:SoDinhDanh", query.idNumber)
                    if query.idKind != .legacyIdentityCard { $0.element("dc:SoCMND", query.legacyIdNumber) }
                    $0.element("dc:HoVaTen", query.fullName)
                    if let dateOfBirth = query.dateOfBirth {
                        $0.element("dc:NgayThangNamSinh") {
                            switch dateOfBirth {
                            case .full(let year, let month, let day):
                                $0.element("dc:NgayThangNam", compactDate(year: year, month: month, day: day))
                            case .yearOnly(let year):
                                $0.element("dc:Nam", BirthDate.yearOnly(year).displayText)
                            }
                        }
                    }
                }
            }
        }
        return writer.output
    }

    /// Reads a request envelope; the operation element must be in the service's namespace.
    public static func decodeRequest(_ body: some Sequence<UInt8>) throws(MessageError) -> Request {
        let operationElement = try bodyContent(of: body)
        guard operationElement.namespace == requestNamespace,
            let operation = PopulationOperation(rawValue: operationElement.localName)
        else { throw MessageError("unknown operation \(operationElement.localName)") }

        let fields = operationElement
        let cccd = fields.child("SoDinhDanh")?.value
        let cmnd = fields.child("SoCMND")?.value
        guard let idNumber = cccd ?? cmnd else { throw MessageError("missing SoDinhDanh or SoCMND") }
        guard let requestId = fields.child("MaYeuCau")?.value else { throw MessageError("missing MaYeuCau") }
        let fullName = fields.child("HoVaTen")?.value
        let dateElement = fields.child("NgayThangNamSinh")
        let dateOfBirth = dateElement.flatMap(birthDate(in:))
        if dateElement != nil, dateOfBirth == nil { throw MessageError("invalid NgayThangNamSinh") }
        // A record is released only for the whole identity; the pair of numbers alone earns a yes or no.
        let asksAboutPair = cccd != nil && cmnd != nil
        guard (fullName != nil && dateOfBirth != nil) || (asksAboutPair && operation == .verify) else {
            throw MessageError("missing HoVaTen or NgayThangNamSinh")
        }
        let query = PopulationQuery(
            requestId: requestId,
            serviceCode: fields.child("MaDVC")?.value,
            officerId: fields.child("MaCanBo")?.value,
            idNumber: idNumber,
            fullName: fullName,
            dateOfBirth: dateOfBirth,
            legacyIdNumber: cccd == nil ? nil : cmnd
        )
        return Request(operation: operation, integrationCode: fields.child("MaTichHop")?.value, query: query)
    }

    // MARK: Answers

    public static func encodeVerifyAnswer(requestId: String, exists: Bool) -> String {
        answerEnvelope(.verify, requestId: requestId) {
            $0.element("TonTai", exists ? "true" : "false")
        }
    }

    /// A lookup answer; an empty `citizens` is the database's "no citizen matched".
    public static func encodeLookupAnswer(requestId: String, citizens: [CitizenRecord]) -> String {
        answerEnvelope(.lookup, requestId: requestId) { writer in
            writer.element("CongdanCollection", attributes: ["xmlns": citizenNamespace]) { writer in
                for citizen in citizens { CitizenCoding.write(citizen, to: &writer) }
            }
        }
    }

    /// The body of an answer, as the client reads it.
    enum Answer: Sendable, Equatable {
        case verified(Bool)
        case lookedUp(CitizenRecord?)
        case fault(Fault)
    }

    static func decodeAnswer(
        _ operation: PopulationOperation,
        _ body: some Sequence<UInt8>
    ) throws(MessageError)
        -> Answer
    {
        let content = try bodyContent(of: body)
        if content.localName == "Fault", content.namespace == envelopeNamespace {
            return .fault(Fault(content))
        }
        switch operation {
        case .verify:
            guard let exists = content.descendant("TonTai")?.value else { throw MessageError("missing TonTai") }
            switch exists.lowercased() {
            case "true", "1": return .verified(true)
            case "false", "0": return .verified(false)
            default: throw MessageError("TonTai is not a boolean")
            }
        case .lookup:
            let collection =
                content.localName == "CongdanCollection" ? content : content.descendant("CongdanCollection")
            guard let collection else { throw MessageError("missing CongdanCollection") }
            guard let first = collection.child("CongDan") else { return .lookedUp(nil) }
            return .lookedUp(try CitizenCoding.read(first))
        }
    }

    // MARK: Faults

    /// A SOAP 1.1 fault. `Client` faults are the caller's problem (permanent); `Server` faults
    /// are the service's (worth retrying).
    public struct Fault: Sendable, Hashable {
        public enum Kind: String, Sendable, Hashable {
            case client = "Client"
            case server = "Server"
        }

        public var kind: Kind
        /// The fault code's local part as sent, e.g. `Server.Busy`.
        public var code: String
        /// Free text from the service; may echo request data, so it is never logged.
        public var message: String

        public init(kind: Kind, code: String? = nil, message: String) {
            self.kind = kind
            self.code = code ?? kind.rawValue
            self.message = message
        }

        init(_ element: XMLTreeElement) {
            let qualifiedCode = element.child("faultcode")?.value ?? ""
            // The code is a QName; its prefix is whatever the sender bound to the envelope namespace.
            let localCode = qualifiedCode.split(separator: ":").last.map(String.init) ?? ""
            self.init(
                kind: localCode.hasPrefix(Kind.client.rawValue) ? .client : .server,
                code: localCode.isEmpty ? nil : localCode,
                message: element.child("faultstring")?.value ?? ""
            )
        }
    }

    public static func encode(_ fault: Fault) -> String {
        var writer = XMLWriter()
        writer.element("soap:Envelope", attributes: ["xmlns:soap": envelopeNamespace]) {
            $0.element("soap:Body") {
                $0.element("soap:Fault") {
                    $0.element("faultcode", "soap:" + fault.code)
                    $0.element("faultstring", fault.message)
                }
            }
        }
        return writer.output
    }

    /// A message that is not what the protocol says; the reason never quotes message content.
    public struct MessageError: Error, Sendable, Hashable, CustomStringConvertible {
        public let reason: String
        init(_ reason: String) { self.reason = reason }
        public var description: String { "malformed SOAP message: \(reason)" }
    }

    // MARK: Shared parts

    private static func answerEnvelope(
        _ operation: PopulationOperation,
        requestId: String,
        content: (inout XMLWriter) -> Void
    ) -> String {
        var writer = XMLWriter()
        writer.element("soap:Envelope", attributes: ["xmlns:soap": envelopeNamespace]) {
            $0.element("soap:Body") {
                $0.element(operation.rawValue + "Response", attributes: ["xmlns": requestNamespace]) {
                    $0.element("MaYeuCau", requestId)
                    content(&$0)
                }
            }
        }
        return writer.output
    }

    /// The single element inside `Envelope/Body`.
    private static func bodyContent(of body: some Sequence<UInt8>) throws(MessageError) -> XMLTreeElement {
        let envelope: XMLTreeElement
        do {
            envelope = try XMLTreeParser.parse(body)
        } catch {
            throw MessageError(error.description)
        }
        guard envelope.localName == "Envelope", envelope.namespace == envelopeNamespace else {
            throw MessageError("not a SOAP 1.1 envelope")
        }
        guard let soapBody = envelope.child("Body", namespace: envelopeNamespace) else {
            throw MessageError("missing Body")
        }
        guard let content = soapBody.children.first else { throw MessageError("empty Body") }
        return content
    }

    /// `NgayThangNamSinh`: the full date `NgayThangNam` (yyyyMMdd) when it is a real date,
    /// otherwise the year `Nam`.
    static func birthDate(in element: XMLTreeElement) -> BirthDate? {
        if let compact = element.child("NgayThangNam")?.value, compact.utf8.count == 8,
            let year = Int(compact.prefix(4)), let month = Int(compact.dropFirst(4).prefix(2)),
            let day = Int(compact.suffix(2)), BirthDate.isValidCalendarDate(year: year, month: month, day: day)
        {
            return .full(year: year, month: month, day: day)
        }
        if let yearText = element.child("Nam")?.value, yearText.utf8.count == 4, let year = Int(yearText) {
            return .yearOnly(year)
        }
        return nil
    }

    static func compactDate(year: Int, month: Int, day: Int) -> String {
        let display = BirthDate.full(year: year, month: month, day: day).displayText  // dd/MM/yyyy
        let parts = display.split(separator: "/")
        return parts.reversed().joined()
    }
}
