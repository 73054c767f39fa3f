import Foundation
import Logging
import Prometheus
import Synchronization
import Testing

@testable import Operations

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

struct TimedOut: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Runs `body` with an admin server listening on a free loopback port, then stops the server.
func withAdminServer(
    metrics: GatewayMetrics,
    registry: PrometheusCollectorRegistry,
    _ body: @escaping @Sendable (_ port: Int) async throws -> Void
) async throws {
    let (ports, announce) = AsyncStream.makeStream(of: Int.self)
    let server = AdminServer(
        configuration: AdminConfiguration(host: "127.0.0.1", port: 0),
        metrics: metrics,
        registry: registry,
        logger: Logger(label: "admin-test") { _ in SwiftLogNoOpLogHandler() },
        onServerRunning: { port in announce.yield(port) }
    )
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await server.run() }
        group.addTask {
            let port = try await withBound(.seconds(30), "the admin server to listen") {
                await ports.first { _ in true }
            }
            guard let port else { throw TimedOut(what: "a port") }
            try await body(port)
        }
        // The body finishing (or failing) ends the test; the server only stops by cancellation.
        defer { group.cancelAll() }
        try await group.next()
    }
}

/// `operation`'s result, or `TimedOut` after `limit`: the bound that keeps a broken test from hanging.
func withBound<T: Sendable>(
    _ limit: Duration,
    _ what: String,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw TimedOut(what: what)
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw TimedOut(what: what) }
        return first
    }
}

struct HTTPAnswer: Sendable {
    var status: Int
    var headers: [String: String]
    var body: String
}

func get(_ port: Int, _ path: String) async throws -> HTTPAnswer {
    let url = try #require(URL(string: "http://127.0.0.1:\(port)\(path)"))
    let (data, response) = try await URLSession.shared.data(from: url)
    let http = try #require(response as? HTTPURLResponse)
    var headers: [String: String] = [:]
    for (key, value) in http.allHeaderFields {
        if let key = key as? String, let value = value as? String { headers[key.lowercased()] = value }
    }
    return HTTPAnswer(status: http.statusCode, headers: headers, body: String(decoding: data, as: UTF8.self))
}
