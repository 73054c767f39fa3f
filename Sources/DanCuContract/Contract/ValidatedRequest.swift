import Foundation

/// A request that passed every rule validation alone can check, normalised, and that needs the
/// population database to be answered.
public struct ValidatedRequest: Sendable, Hashable {
    /// The citizen as the request names them, normalised (uppercase NFC name, trimmed numbers).
    public struct Citizen: Sendable, Hashable {
        /// Absent only in a `link`, which the two numbers suffice for.
        public var fullName: String?
        /// 12-digit CCCD or 9-digit CMND.
        public var idNumber: String
        /// Absent only in a `link`.
        public var dateOfBirth: BirthDate?

        public init(fullName: String?, idNumber: String, dateOfBirth: BirthDate?) {
            self.fullName = fullName
            self.idNumber = idNumber
            self.dateOfBirth = dateOfBirth
        }
    }

    public var requestId: String
    /// The portal id, taken from the request topic.
    public var portal: String
    public var type: RequestType
    public var channel: Channel
    public var citizen: Citizen
    /// The 9-digit CMND to link (`link` only).
    public var legacyIdNumber: String?
    public var procedureCode: String?
    /// Exactly the fields an outcome may release: empty for a `verify` that names none.
    public var releasedFields: [CitizenField]
    public var officerId: String?
    public var requestedAt: Date?
    /// When the portal stops waiting: the request's own deadline, or the channel's default.
    public var deadline: Date
    public var receivedAt: Date

    public init(
        requestId: String,
        portal: String,
        type: RequestType,
        channel: Channel,
        citizen: Citizen,
        legacyIdNumber: String? = nil,
        procedureCode: String? = nil,
        releasedFields: [CitizenField],
        officerId: String? = nil,
        requestedAt: Date? = nil,
        deadline: Date,
        receivedAt: Date
    ) {
        self.requestId = requestId
        self.portal = portal
        self.type = type
        self.channel = channel
        self.citizen = citizen
        self.legacyIdNumber = legacyIdNumber
        self.procedureCode = procedureCode
        self.releasedFields = releasedFields
        self.officerId = officerId
        self.requestedAt = requestedAt
        self.deadline = deadline
        self.receivedAt = receivedAt
    }

    /// Whether answering takes the citizen's record; a `verify` that asks for no fields, and a `link`, are
    /// answered by the database's yes or no, so the record is neither fetched nor cached for them.
    public var needsRecord: Bool { type == .lookup || (type == .verify && !releasedFields.isEmpty) }

    /// The normalised request as JSON (sorted keys), what `dancu-gateway validate` prints.
    public func jsonBytes() -> [UInt8] {
        ContractJSON.encode(self)
    }
}

// MARK: - Outcome builders: the pipeline's only way to answer, so texts and minimisation stay here.

extension ValidatedRequest {
    /// The database's yes or no: for `verify`, whether a citizen matches name, number and date; for `link`,
    /// whether the CMND is on that CCCD's record (and name and date match, where the request gave them).
    public func verified(matched: Bool, source: OutcomeSource, attempts: Int, completedAt: Date) -> Outcome {
        guard type == .link else {
            let name = citizen.fullName
            let number = citizen.idNumber
            let date = citizen.dateOfBirth
            return outcome(
                matched ? .verified : .notVerified,
                matched
                    ? ResultText.verified(fullName: name, idNumber: number, dateOfBirth: date)
                    : ResultText.notVerified(fullName: name, idNumber: number, dateOfBirth: date),
                source: source,
                attempts: attempts,
                completedAt: completedAt
            )
        }
        guard matched else { return notFound(source: source, attempts: attempts, completedAt: completedAt) }
        var outcome = outcome(
            .found,
            ResultText.linkFound(idNumber: citizen.idNumber, legacyIdNumber: legacyIdNumber ?? ""),
            source: source,
            attempts: attempts,
            completedAt: completedAt
        )
        outcome.citizen = ReleasedCitizen(values: carriedValues)
        return outcome
    }

    /// The population database returned `record`. Releases only `releasedFields`. A record that is
    /// not the requested citizen's (another CCCD, or for `link` another CMND) answers `not_found`
    /// (`not_verified`); for `verify` it means `verified`, with the fields the verify named.
    public func found(
        _ record: CitizenRecord,
        source: OutcomeSource,
        attempts: Int,
        completedAt: Date
    ) -> Outcome {
        if type == .verify, releasedFields.isEmpty {
            return verified(matched: true, source: source, attempts: attempts, completedAt: completedAt)
        }
        guard belongsToRequestedCitizen(record) else {
            return notFound(source: source, attempts: attempts, completedAt: completedAt)
        }
        if type == .link {
            // A link releases only what the request carried, whatever the record adds.
            return verified(matched: true, source: source, attempts: attempts, completedAt: completedAt)
        }
        var outcome =
            type == .verify
            ? verified(matched: true, source: source, attempts: attempts, completedAt: completedAt)
            : outcome(
                .found,
                ResultText.lookupFound(
                    fullName: citizen.fullName,
                    idNumber: citizen.idNumber,
                    dateOfBirth: citizen.dateOfBirth
                ),
                source: source,
                attempts: attempts,
                completedAt: completedAt
            )
        outcome.citizen = ReleasedCitizen(record, releasing: releasedFields)
        return outcome
    }

    /// No record matched: `not_verified` for `verify`, `not_found` otherwise.
    public func notFound(source: OutcomeSource, attempts: Int, completedAt: Date) -> Outcome {
        notFound(source: source, attempts: attempts, completedAt: completedAt, errors: [])
    }

    public func expired(attempts: Int, completedAt: Date) -> Outcome {
        outcome(.expired, ResultText.expired, source: .gateway, attempts: attempts, completedAt: completedAt)
    }

    public func unavailable(attempts: Int, completedAt: Date) -> Outcome {
        outcome(
            .unavailable,
            ResultText.unavailable,
            source: .gateway,
            attempts: attempts,
            completedAt: completedAt
        )
    }

    func notFound(source: OutcomeSource, attempts: Int, completedAt: Date, errors: [FieldProblem]) -> Outcome {
        let name = citizen.fullName
        let number = citizen.idNumber
        let date = citizen.dateOfBirth
        var outcome =
            switch type {
            case .verify:
                verified(matched: false, source: source, attempts: attempts, completedAt: completedAt)
            case .lookup:
                outcome(
                    .notFound,
                    ResultText.lookupNotFound(fullName: name, idNumber: number, dateOfBirth: date),
                    source: source,
                    attempts: attempts,
                    completedAt: completedAt
                )
            case .link:
                outcome(
                    .notFound,
                    ResultText.linkNotFound(idNumber: number, legacyIdNumber: legacyIdNumber ?? ""),
                    source: source,
                    attempts: attempts,
                    completedAt: completedAt
                )
            }
        outcome.errors = errors
        return outcome
    }

    /// A link confirms that the numbers belong together; it releases what the portal sent (normalised), not
    /// what a record adds (a full date of birth where the portal gave the year, the record's spelling).
    private var carriedValues: [CitizenField: ReleasedCitizen.Value] {
        var values: [CitizenField: ReleasedCitizen.Value] = [.idNumber: .text(citizen.idNumber)]
        values[.legacyIdNumber] = legacyIdNumber.map(ReleasedCitizen.Value.text)
        values[.fullName] = citizen.fullName.map(ReleasedCitizen.Value.text)
        values[.dateOfBirth] = citizen.dateOfBirth.map { .text($0.displayText) }
        return values
    }

    private func belongsToRequestedCitizen(_ record: CitizenRecord) -> Bool {
        switch type {
        case .link:
            record.idNumber == citizen.idNumber && record.legacyIdNumber == legacyIdNumber
        case .lookup, .verify:
            record.idNumber == citizen.idNumber || record.legacyIdNumber == citizen.idNumber
        }
    }

    private func outcome(
        _ status: OutcomeStatus,
        _ message: String,
        source: OutcomeSource,
        attempts: Int,
        completedAt: Date
    ) -> Outcome {
        Outcome(
            requestId: requestId,
            portal: portal,
            type: type,
            status: status,
            message: message,
            source: source,
            attempts: attempts,
            receivedAt: receivedAt,
            completedAt: completedAt
        )
    }
}

extension ValidatedRequest: Encodable {
    private enum CodingKeys: String, CodingKey {
        case requestId, portal, type, channel, citizen, legacyIdNumber, procedureCode, releasedFields,
            officerId, requestedAt, deadline, receivedAt
    }

    private enum CitizenKeys: String, CodingKey {
        case fullName, idNumber, dateOfBirth
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(requestId, forKey: .requestId)
        try container.encode(portal, forKey: .portal)
        try container.encode(type, forKey: .type)
        try container.encode(channel, forKey: .channel)
        var citizenContainer = container.nestedContainer(keyedBy: CitizenKeys.self, forKey: .citizen)
        try citizenContainer.encodeIfPresent(citizen.fullName, forKey: .fullName)
        try citizenContainer.encode(citizen.idNumber, forKey: .idNumber)
        try citizenContainer.encodeIfPresent(citizen.dateOfBirth?.displayText, forKey: .dateOfBirth)
        try container.encodeIfPresent(legacyIdNumber, forKey: .legacyIdNumber)
        try container.encodeIfPresent(procedureCode, forKey: .procedureCode)
        try container.encode(releasedFields, forKey: .releasedFields)
        try container.encodeIfPresent(officerId, forKey: .officerId)
        try container.encodeIfPresent(requestedAt.map(Timestamp.format), forKey: .requestedAt)
        try container.encode(Timestamp.format(deadline), forKey: .deadline)
        try container.encode(Timestamp.format(receivedAt), forKey: .receivedAt)
    }
}
