import Crypto
import DanCuContract
import Foundation

/// What a campaign sends: one request type from one portal, on the `batch` channel.
public struct CampaignSettings: Sendable, Hashable, Codable {
    public var name: String
    public var portal: String
    public var type: RequestType
    /// The procedure of every `lookup` row without its own `Mã thủ tục`.
    public var procedureCode: String?

    public init(name: String, portal: String, type: RequestType, procedureCode: String? = nil) {
        self.name = name
        self.portal = portal
        self.type = type
        self.procedureCode = procedureCode
    }

    /// Every request id of the campaign starts with this, so its outcomes are told apart from others on the topic.
    public var requestIdPrefix: String { "batch-" + Self.hex(SHA256.hash(data: Data(name.utf8))).prefix(10) + "-" }

    static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}

/// The request a row becomes, as sent on the portal's request topic.
public struct CampaignRequest: Sendable, Hashable, Encodable {
    public struct Citizen: Sendable, Hashable, Encodable {
        public var fullName: String
        public var idNumber: String
        public var dateOfBirth: String
    }

    public var requestId: String
    public var type: RequestType
    public var channel: Channel = .batch
    public var citizen: Citizen
    public var legacyIdNumber: String?
    public var procedureCode: String?

    /// The id derives from the campaign and the row's content: the same row in a re-run (or a resumed
    /// run) is the same request, and the gateway answers it from its duplicate window instead of again.
    init(settings: CampaignSettings, citizen: Citizen, legacyIdNumber: String?, procedureCode: String?) {
        let content = [
            settings.name, settings.portal, settings.type.rawValue, citizen.fullName, citizen.idNumber,
            citizen.dateOfBirth, legacyIdNumber ?? "", procedureCode ?? "",
        ].joined(separator: "\u{1F}")
        requestId = settings.requestIdPrefix + CampaignSettings.hex(SHA256.hash(data: Data(content.utf8))).prefix(32)
        type = settings.type
        self.citizen = citizen
        self.legacyIdNumber = legacyIdNumber
        self.procedureCode = procedureCode
    }

    public func json() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Strings and optionals of strings always encode.
        return (try? Array(encoder.encode(self))) ?? []
    }
}

/// A data row made ready: its request, or why it is not sent, and the notes for `Ghi chú`.
public struct PreparedRow: Sendable, Hashable {
    public var number: Int
    public var request: CampaignRequest?
    public var notes: [String]
    public var repaired: Bool
    public var refused: Bool { request == nil }

    /// Repairs the row's cells and builds its request; a refused cell, or a row without the fields
    /// its type needs, is not sent.
    public init(_ row: SheetRow, header: HeaderMap, settings: CampaignSettings) {
        number = row.number
        let name = RepairedCell.kept(CellRepair.trimmed(row[header[.fullName]].text))
        let cccd = CellRepair.idNumber(row[header[.idNumber]], kind: .cccd)
        let cmnd = CellRepair.idNumber(row[header[.legacyIdNumber]], kind: .cmnd)
        let dateOfBirth = CellRepair.dateOfBirth(row[header[.dateOfBirth]])
        let procedure = CellRepair.trimmed(row[header[.procedureCode]].text)
        let cells = [name, cccd, cmnd, dateOfBirth]
        notes = cells.compactMap(\.note)
        repaired = cells.contains { $0.note != nil && !$0.refused }
        request = nil

        let idNumber = settings.type == .link ? cccd.value : cccd.value ?? cmnd.value
        var missing: [String] = []
        if name.value?.isEmpty ?? true { missing.append("Họ và tên") }
        if idNumber == nil, !cccd.refused, !cmnd.refused {
            missing.append(settings.type == .link ? "Số CCCD" : "Số CCCD hoặc Số CMND")
        }
        if settings.type == .link, cmnd.value == nil, !cmnd.refused { missing.append("Số CMND") }
        if dateOfBirth.value == nil, !dateOfBirth.refused { missing.append("Ngày sinh") }
        if !missing.isEmpty { notes.append("Thiếu \(missing.joined(separator: ", ")): dòng không được gửi.") }
        guard missing.isEmpty, !cells.contains(where: \.refused), let fullName = name.value, let idNumber,
            let birth = dateOfBirth.value
        else { return }
        request = CampaignRequest(
            settings: settings,
            citizen: .init(fullName: fullName, idNumber: idNumber, dateOfBirth: birth),
            legacyIdNumber: settings.type == .link ? cmnd.value : nil,
            procedureCode: settings.type == .lookup ? (procedure.isEmpty ? settings.procedureCode : procedure) : nil
        )
    }
}
