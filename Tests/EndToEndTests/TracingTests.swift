import Foundation
import Hummingbird
import Kafka
import NIOCore
import Synchronization
import Testing

/// With tracing on, a portal's trace continues through the gateway: the request span and the upstream call
/// span are exported over OTLP/HTTP under the portal's trace id, and the outcome carries the request span.
/// Runs the gateway as a child process, because the tracer is installed once per process.
@Suite(.serialized, .timeLimit(.minutes(3))) struct TracingTests {
    /// An OTLP/HTTP receiver on loopback that keeps every export request body.
    final class Collector: Sendable {
        private let bodies = Mutex<[[UInt8]]>([])
        var exported: [[UInt8]] { bodies.withLock { $0 } }

        func start() async throws -> (port: Int, task: Task<Void, any Error>) {
            let router = Router()
            router.post("/v1/traces") { request, _ -> Response in
                let body = try await request.body.collect(upTo: 16 << 20)
                self.bodies.withLock { $0.append(Array(buffer: body)) }
                // An empty ExportTraceServiceResponse: full success.
                return Response(status: .ok, headers: [.contentType: "application/x-protobuf"], body: .init())
            }
            let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
            let application = Application(
                router: router,
                configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }
            )
            let task = Task { try await application.runService() }
            for await port in ports { return (port, task) }
            throw CancellationError()
        }
    }

    static func bytes(ofHex hex: some StringProtocol) -> [UInt8] {
        stride(from: 0, to: hex.count, by: 2).map { offset in
            let start = hex.index(hex.startIndex, offsetBy: offset)
            return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16) ?? 0
        }
    }

    @Test func aPortalsTraceContinuesThroughTheGatewayAndIsExported() async throws {
        let collector = Collector()
        let (port, server) = try await collector.start()
        let bed = try await GatewayTestBed(latencyMs: 1)
        let citizen = bed.population.citizen(at: 321)
        let traceId = "5c1e0f8a9b7d4e3fa2b6c8d0e1f23456"
        let portalSpanId = "a1b2c3d4e5f60718"
        var request = TestRequest.verify(
            "phutho",
            "traced-1",
            name: citizen.fullName,
            idNumber: citizen.idNumber,
            dateOfBirth: citizen.dateOfBirth.displayText
        )
        request.headers = [KafkaHeader(name: "traceparent", string: "00-\(traceId)-\(portalSpanId)-01")]
        let log = FileManager.default.temporaryDirectory.appending(path: "dancu-tracing-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let outcomes = try bed.outcomeCollector()
        let producer = try bed.producer()
        let gateway = try ProcessTests.GatewayProcess(
            bed: bed,
            group: "tracing-\(UUID().uuidString)",
            extra: [
                "DANCU_TRACING_ENABLED": "true",
                "DANCU_TRACING_ENDPOINT": "http://127.0.0.1:\(port)",
                "OTEL_BSP_SCHEDULE_DELAY": "100",
                "DANCU_LOG_LEVEL": "info",
            ],
            log: log
        )
        try await bed.publish([request], with: producer)
        let collected = try await outcomes.collect(limit: .seconds(60)) { $0.answeredRequestIds.contains("traced-1") }
        // A graceful stop flushes the exporter.
        #expect(await gateway.terminate() == 0)
        await outcomes.close()
        await producer.close(flushTimeout: .seconds(5))
        await bed.simulator.stop()
        server.cancel()

        let traceparent = try #require(
            collected.outcomes(for: "traced-1").first?.headers.first(named: "traceparent")?.stringValue
        )
        let parts = traceparent.split(separator: "-")
        #expect(parts.count == 4 && parts[1] == traceId, "the outcome stays in the portal's trace")
        let requestSpanId = try #require(parts.count == 4 ? parts[2] : nil)
        #expect(requestSpanId != portalSpanId, "the outcome names the gateway's span, a child of the portal's")

        let exported = collector.exported.flatMap { $0 }
        func contains(_ needle: [UInt8]) -> Bool {
            exported.count >= needle.count
                && (0...(exported.count - needle.count)).contains {
                    exported[$0..<($0 + needle.count)].elementsEqual(needle)
                }
        }
        let logged = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(!collector.exported.isEmpty, "spans were exported; the gateway logged:\n\(logged.suffix(3000))")
        #expect(contains(Self.bytes(ofHex: traceId)))
        #expect(contains(Self.bytes(ofHex: requestSpanId)), "the request span is exported")
        #expect(contains(Self.bytes(ofHex: portalSpanId)), "with the portal's span as its parent")
        #expect(contains(Array("dancu.request verify".utf8)))
        // A verify that names no fields asks the database yes or no; the record is never fetched for it.
        #expect(contains(Array("XacThucThongTinCongDan".utf8)), "the upstream call has its own span")
        #expect(!contains(Array("TraCuuThongTinCongDan".utf8)))
        #expect(
            !contains(Array(citizen.idNumber.utf8)) && !contains(Array(citizen.fullName.utf8)),
            "no personal data in spans"
        )
    }
}
