/// The citizen fields an outcome releases: exactly the fields the request may see, each with its
/// value or `null` when the population database holds none ("Chưa có thông tin").
public struct ReleasedCitizen: Sendable, Hashable {
    public enum Value: Sendable, Hashable {
        case text(String)
        case address(Address)
        /// The field is released but the database holds no value: written as JSON `null`.
        case missing
    }

    public private(set) var values: [CitizenField: Value]

    public init(values: [CitizenField: Value]) {
        self.values = values
    }

    /// Only `fields` of `record`; nothing else leaves the gateway.
    public init(_ record: CitizenRecord, releasing fields: some Sequence<CitizenField>) {
        var values: [CitizenField: Value] = [:]
        for field in fields {
            values[field] = Self.value(of: field, in: record)
        }
        self.values = values
    }

    public subscript(field: CitizenField) -> Value? { values[field] }

    private static func value(of field: CitizenField, in record: CitizenRecord) -> Value {
        switch field {
        case .fullName: .text(record.fullName)
        case .idNumber: .text(record.idNumber)
        case .legacyIdNumber: text(record.legacyIdNumber)
        case .gender: text(record.gender?.rawValue)
        case .ethnicity: text(record.ethnicity)
        case .religion: text(record.religion)
        case .maritalStatus: text(record.maritalStatus)
        case .bloodType: text(record.bloodType)
        case .dateOfBirth: .text(record.dateOfBirth.displayText)
        case .nationality: text(record.nationality)
        case .birthRegistrationPlace: address(record.birthRegistrationPlace)
        case .hometown: address(record.hometown)
        case .permanentAddress: address(record.permanentAddress)
        case .currentAddress: address(record.currentAddress)
        }
    }

    /// The fields in the UTF-8 order of their names, as sorted keys are.
    package func write(to writer: inout ContractJSONWriter) {
        let sorted = values.sorted { $0.key.rawValue.utf8.lexicographicallyPrecedes($1.key.rawValue.utf8) }
        writer.object { writer in
            for (field, value) in sorted {
                writer.key(field.rawValue)
                switch value {
                case .text(let text): writer.string(text)
                case .address(let address): address.write(to: &writer)
                case .missing: writer.null()
                }
            }
        }
    }

    private static func text(_ value: String?) -> Value { value.map(Value.text) ?? .missing }
    private static func address(_ value: Address?) -> Value { value.map(Value.address) ?? .missing }
}

extension ReleasedCitizen: Codable {
    private struct FieldKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: FieldKey.self)
        var values: [CitizenField: Value] = [:]
        for key in container.allKeys {
            guard let field = CitizenField(rawValue: key.stringValue) else {
                throw DecodingError.dataCorruptedError(
                    forKey: key,
                    in: container,
                    debugDescription: "not a citizen field"
                )
            }
            if try container.decodeNil(forKey: key) {
                values[field] = .missing
            } else if let text = try? container.decode(String.self, forKey: key) {
                values[field] = .text(text)
            } else {
                values[field] = .address(try container.decode(Address.self, forKey: key))
            }
        }
        self.values = values
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: FieldKey.self)
        for (field, value) in values {
            let key = FieldKey(stringValue: field.rawValue)
            switch value {
            case .text(let text): try container.encode(text, forKey: key)
            case .address(let address): try container.encode(address, forKey: key)
            case .missing: try container.encodeNil(forKey: key)
            }
        }
    }
}
