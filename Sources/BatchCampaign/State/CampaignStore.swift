import DanCuContract
import Foundation
import GRDB
import Kafka

/// A campaign's state in one SQLite file: every row as read, every request with whether it was sent
/// and its outcome, and how far the outcome topic has been read. Each step is committed before the
/// next starts, so Ctrl-C, a crash or a lost connection loses nothing: `submit` resumes from here.
public final class CampaignStore: Sendable {
    private let database: DatabaseQueue

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.journalMode = .wal
        database = try DatabaseQueue(path: path, configuration: configuration)
        try Self.migrator.migrate(database)
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    CREATE TABLE row (
                        number INTEGER PRIMARY KEY, request_id TEXT, notes TEXT NOT NULL, repaired INTEGER NOT NULL);
                    CREATE INDEX row_request ON row(request_id);
                    CREATE TABLE request (
                        id TEXT PRIMARY KEY, body BLOB NOT NULL, sends INTEGER NOT NULL DEFAULT 0,
                        sent_run INTEGER NOT NULL DEFAULT 0, status TEXT, message TEXT, errors TEXT, citizen BLOB);
                    CREATE INDEX request_waiting ON request(status, sends);
                    CREATE TABLE outcome_position (
                        topic TEXT NOT NULL, partition INTEGER NOT NULL, next INTEGER NOT NULL,
                        PRIMARY KEY (topic, partition));
                    """
            )
        }
        return migrator
    }

    // MARK: - The campaign

    /// Stores the settings on the first run; a later run must use the same ones, or its rows would
    /// get other request ids and be sent again.
    public func adopt(_ settings: CampaignSettings) throws -> CampaignSettings {
        let encoded = String(decoding: try JSONEncoder().encode(settings), as: UTF8.self)
        return try database.write { db in
            if let stored = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'settings'") {
                let previous = try JSONDecoder().decode(CampaignSettings.self, from: Data(stored.utf8))
                guard previous == settings else { throw CampaignError.settingsChanged(previous) }
                return previous
            }
            try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('settings', ?)", arguments: [encoded])
            return settings
        }
    }

    public func settings() throws -> CampaignSettings? {
        try database.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'settings'").map {
                try JSONDecoder().decode(CampaignSettings.self, from: Data($0.utf8))
            }
        }
    }

    /// Starts a run and returns its number (1, 2, …): rows sent in an earlier run and still
    /// unanswered are sent again in this one.
    public func beginRun() throws -> Int {
        try database.write { db in
            let run = (try Int.fetchOne(db, sql: "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'run'") ?? 0) + 1
            try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('run', ?)", arguments: ["\(run)"])
            return run
        }
    }

    // MARK: - Reading the file

    /// Whether every row of the file is stored; until then a run reads the file again (rows are keyed
    /// by their number, so reading twice stores nothing twice).
    public func isIngested() throws -> Bool {
        try database.read { db in try Bool.fetchOne(db, sql: "SELECT 1 FROM meta WHERE key = 'ingested'") ?? false }
    }

    public func ingest(_ rows: [PreparedRow]) throws {
        try database.write { db in
            let rowStatement = try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO row (number, request_id, notes, repaired) VALUES (?, ?, ?, ?)"
            )
            let requestStatement = try db.cachedStatement(sql: "INSERT OR IGNORE INTO request (id, body) VALUES (?, ?)")
            for row in rows {
                try rowStatement.execute(arguments: [
                    row.number, row.request?.requestId, row.notes.joined(separator: "\n"), row.repaired,
                ])
                if let request = row.request {
                    try requestStatement.execute(arguments: [request.requestId, Data(request.json())])
                }
            }
        }
    }

    public func markIngested() throws {
        try database.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('ingested', '1')")
        }
    }

    // MARK: - Sending

    public struct Pending: Sendable, Hashable {
        public var requestId: String
        public var body: [UInt8]
    }

    /// Requests never sent, in file order.
    public func unsent(limit: Int) throws -> [Pending] {
        try pending(
            sql: "SELECT id, body FROM request WHERE sends = 0 AND status IS NULL ORDER BY rowid LIMIT ?",
            [limit]
        )
    }

    /// Requests sent before this run and still without an outcome: sent again with the same id, which
    /// the gateway answers once.
    public func unanswered(sentBefore run: Int, limit: Int) throws -> [Pending] {
        try pending(
            sql:
                "SELECT id, body FROM request WHERE status IS NULL AND sends > 0 AND sent_run < ? ORDER BY rowid LIMIT ?",
            [run, limit]
        )
    }

    private func pending(sql: String, _ arguments: StatementArguments) throws -> [Pending] {
        try database.read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                Pending(requestId: row["id"], body: [UInt8](row["body"] as Data))
            }
        }
    }

    /// Records that the broker acknowledged these requests in `run`.
    public func markSent(_ requestIds: [String], run: Int) throws {
        try database.write { db in
            let statement = try db.cachedStatement(
                sql: "UPDATE request SET sends = sends + 1, sent_run = ? WHERE id = ?"
            )
            for id in requestIds { try statement.execute(arguments: [run, id]) }
        }
    }

    // MARK: - Outcomes

    /// Stores the outcomes of this campaign's requests (the first one wins: a resent request's second
    /// outcome repeats the first) together with how far each partition has been read.
    @discardableResult
    public func record(_ outcomes: [Outcome], positions: [TopicPartition: Int64]) throws -> Int {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try database.write { db in
            let statement = try db.cachedStatement(
                sql:
                    "UPDATE request SET status = ?, message = ?, errors = ?, citizen = ? WHERE id = ? AND status IS NULL"
            )
            var recorded = 0
            for outcome in outcomes {
                let errors = outcome.errors.map(\.message).joined(separator: "\n")
                let citizen = try outcome.citizen.map { try encoder.encode($0) }
                try statement.execute(arguments: [
                    outcome.status.rawValue, outcome.message, errors, citizen, outcome.requestId,
                ])
                recorded += db.changesCount
            }
            for (partition, next) in positions {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO outcome_position (topic, partition, next) VALUES (?, ?, ?)",
                    arguments: [partition.topic, partition.partition, next]
                )
            }
            return recorded
        }
    }

    /// Where reading the outcome topic stopped last time, per partition.
    public func positions(topic: String) throws -> [TopicPartition: Int64] {
        try database.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT partition, next FROM outcome_position WHERE topic = ?",
                arguments: [topic]
            )
            return Dictionary(
                uniqueKeysWithValues: rows.map {
                    (TopicPartition(topic: topic, partition: $0["partition"]), $0["next"])
                }
            )
        }
    }

    /// Ids of the requests that have an outcome, or of those still without one.
    public func requestIds(answered: Bool) throws -> Set<String> {
        try database.read { db in
            Set(
                try String.fetchAll(db, sql: "SELECT id FROM request WHERE status IS \(answered ? "NOT NULL" : "NULL")")
            )
        }
    }

    // MARK: - Progress and results

    public func counts() throws -> CampaignCounts {
        try database.read { db in
            var counts = CampaignCounts()
            counts.rows = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM row") ?? 0
            counts.refused = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM row WHERE request_id IS NULL") ?? 0
            counts.repaired = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM row WHERE repaired") ?? 0
            counts.requests = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM request") ?? 0
            counts.sent = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM request WHERE sends > 0") ?? 0
            counts.sends = try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(sends), 0) FROM request") ?? 0
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT request.status AS status, COUNT(*) AS rows FROM row JOIN request ON request.id = row.request_id
                    WHERE request.status IS NOT NULL GROUP BY request.status
                    """
            ) {
                counts.answered[row["status"]] = row["rows"]
            }
            return counts
        }
    }

    /// Every row's result in file order, read inside one transaction so the file is written from one state.
    public func withResults<T>(_ body: (RowResults) throws -> T) throws -> T {
        try database.read { db in try body(RowResults(db: db)) }
    }
}

/// Looks up the result of each row by its number while the output file is written.
public struct RowResults {
    let db: Database

    public func result(row number: Int) throws -> RowResult? {
        let statement = try db.cachedStatement(
            sql: """
                SELECT row.notes AS notes, row.request_id AS request_id, request.status AS status,
                       request.message AS message, request.errors AS errors, request.citizen AS citizen
                FROM row LEFT JOIN request ON request.id = row.request_id WHERE row.number = ?
                """
        )
        guard let row = try Row.fetchOne(statement, arguments: [number]) else { return nil }
        let citizen: ReleasedCitizen? = try (row["citizen"] as Data?).map {
            try JSONDecoder().decode(ReleasedCitizen.self, from: $0)
        }
        let notes = [row["notes"] as String, row["errors"] as String? ?? ""].filter { !$0.isEmpty }
        return RowResult(
            sent: row["request_id"] as String? != nil,
            status: (row["status"] as String?).flatMap(OutcomeStatus.init(rawValue:)),
            message: row["message"],
            notes: notes.joined(separator: "\n"),
            citizen: citizen
        )
    }
}

/// A row's result, as the output columns show it.
public struct RowResult: Sendable, Hashable {
    /// False when the row was refused before sending.
    public var sent: Bool
    public var status: OutcomeStatus?
    public var message: String?
    public var notes: String
    public var citizen: ReleasedCitizen?
}

/// How far a campaign has come.
public struct CampaignCounts: Sendable, Hashable, Codable {
    /// Data rows read (the header and blank rows are not counted).
    public var rows = 0
    public var repaired = 0
    /// Rows not sent because a cell could not be repaired or a field was missing.
    public var refused = 0
    /// Distinct requests (identical rows share one).
    public var requests = 0
    /// Requests sent at least once.
    public var sent = 0
    /// Messages published, resends included.
    public var sends = 0
    /// Rows with an outcome, by status.
    public var answered: [String: Int] = [:]

    public var answeredRows: Int { answered.values.reduce(0, +) }
    /// Rows that are sent or to be sent and have no outcome yet.
    public var awaiting: Int { rows - refused - answeredRows }
    /// Every row has an outcome or a refusal note.
    public var isComplete: Bool { awaiting == 0 }

    /// `gửi 120/500 · có kết quả 100 (not_verified 10, verified 90) · từ chối 3`
    public var line: String {
        let statuses = answered.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return "gửi \(sent)/\(requests) · có kết quả \(answeredRows)" + (statuses.isEmpty ? "" : " (\(statuses))")
            + " · từ chối \(refused)"
    }
}

/// A campaign cannot go on as asked.
public struct CampaignError: Error, Sendable, CustomStringConvertible {
    public let description: String

    static func settingsChanged(_ previous: CampaignSettings) -> Self {
        Self(
            "this campaign was started with --portal \(previous.portal) --type \(previous.type.rawValue)"
                + (previous.procedureCode.map { " --procedure \($0)" } ?? "")
                + "; resume it with the same options or choose another --campaign"
        )
    }

    public init(_ description: String) {
        self.description = description
    }
}
