import DanCuContract
import Foundation
import Kafka
import Prometheus
import Testing

@testable import Operations

/// Debian's `chromium` (CI installs it with `apt-get install -y chromium`).
enum Chromium {
    static let path: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Runs headless Chromium on `url` with `arguments` and returns what it wrote to standard output.
    static func run(_ url: String, _ arguments: [String]) async throws -> String {
        let executable = try #require(path)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "dancu-chromium-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outputFile = scratch.appendingPathComponent("stdout")
        try Data().write(to: outputFile)
        let output = try FileHandle(forWritingTo: outputFile)
        defer { try? output.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
                "--user-data-dir=\(scratch.appendingPathComponent("profile").path)",
                // Runs the page's timers and fetches to completion before dumping, instead of dumping at `load`.
                "--virtual-time-budget=4000",
            ] + arguments + [url]
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice

        let exitStatus: Int32 = try await withBound(.seconds(90), "chromium") {
            await withCheckedContinuation { continuation in
                process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
                do {
                    try process.run()
                } catch {
                    process.terminationHandler = nil
                    continuation.resume(returning: -1)
                }
            }
        }
        #expect(exitStatus == 0, "chromium exited with \(exitStatus)")
        return String(decoding: try Data(contentsOf: outputFile), as: UTF8.self)
    }
}

/// What the dashboard showed, read back from the DOM by element id.
struct DashboardReading {
    /// The rendered page without its script, whose templates would match the searches below.
    let dom: String

    init(dom: String) {
        self.dom = dom.range(of: "<script").map { String(dom[..<$0.lowerBound]) } ?? dom
    }

    func text(_ id: String) -> String? {
        guard let start = dom.range(of: "id=\"\(id)\"") else { return nil }
        guard let open = dom[start.upperBound...].firstIndex(of: ">") else { return nil }
        let rest = dom[dom.index(after: open)...]
        guard let close = rest.firstIndex(of: "<") else { return nil }
        return String(rest[..<close]).trimmingCharacters(in: .whitespaces)
    }

    /// The leading number of an element's text (`1,234`, `12.5 ms`, `75.0 %`).
    func number(_ id: String) -> Double? {
        guard let text = text(id) else { return nil }
        let numeric = text.prefix { $0.isNumber || $0 == "." || $0 == "," }.replacingOccurrences(of: ",", with: "")
        return Double(numeric)
    }

    var portalRows: Int { dom.components(separatedBy: "data-portal=").count - 1 }
}

@Suite("Dashboard in a real browser")
struct DashboardBrowserTests {
    private static let portals = ["an-giang": "An Giang", "hai-phong": "Hải Phòng", "phu-tho": "Phú Thọ"]

    /// Synthetic traffic through the public API: each second, every portal consumes and publishes a volume
    /// that depends on `intensity`, with some cache hits, upstream calls and a rationed call.
    private static func drive(_ metrics: GatewayMetrics, _ elapsed: ManualElapsed, seconds: Range<Int>, intensity: Int)
    {
        let statuses: [OutcomeStatus] = [.verified, .verified, .found, .notVerified, .notFound]
        for second in seconds {
            elapsed.set(.seconds(second))
            for (rank, portal) in portals.keys.sorted().enumerated() {
                let volume = intensity * (rank + 1) + second
                for index in 0..<volume {
                    metrics.requestConsumed(portal: portal, type: .verify, channel: index % 3 == 0 ? .online : .counter)
                    let fromCache = index % 4 == 0
                    metrics.cache(hit: fromCache)
                    if !fromCache {
                        metrics.upstreamCall(
                            operation: "verify",
                            httpStatus: index % 17 == 0 ? 429 : 200,
                            outcome: index % 17 == 0 ? .retriable : .ok,
                            latency: .milliseconds(30 + index % 50)
                        )
                    }
                    metrics.outcomePublished(
                        portal: portal,
                        status: statuses[index % statuses.count],
                        source: fromCache ? .cache : .populationDb,
                        endToEnd: .milliseconds(60 + (index * 37) % (200 * intensity))
                    )
                }
            }
            metrics.scheduler(
                queueDepth: [(portal: "hoa-binh", channel: .batch, depth: 40 * intensity)],
                effectiveRate: 45,
                nationalQuota: 100,
                quotaShare: 50,
                inFlight: intensity
            )
        }
    }

    @Test(
        "the dashboard shows the numbers and they change as traffic flows",
        .enabled(if: Chromium.path != nil, "Debian's chromium is not installed (apt-get install -y chromium)"),
        .timeLimit(.minutes(3))
    )
    func liveNumbers() async throws {
        let registry = PrometheusCollectorRegistry()
        let elapsed = ManualElapsed()
        let metrics = GatewayMetrics(registry: registry, portalNames: Self.portals, elapsed: elapsed.closure)
        metrics.group(joined: true)
        metrics.upstreamReachable(true)
        metrics.cacheSize(entries: 1_200, bytes: 300_000)
        metrics.kafka(
            try KafkaStatistics(
                json: Data(
                    #"""
                    {"name": "gw#consumer-1", "topics": {"dancu.req.an-giang": {"partitions": {
                      "0": {"partition": 0, "consumer_lag": 37, "committed_offset": 1200}}}}, "cgrp": {"state": "up"}}
                    """#.utf8
                )
            )
        )

        try await withAdminServer(metrics: metrics, registry: registry) { port in
            let url = "http://127.0.0.1:\(port)/"
            // Vietnamese by default, for the officers who read it.
            let vietnamese = DashboardReading(dom: try await Chromium.run(url, ["--dump-dom"]))
            #expect(vietnamese.text("ready") == "sẵn sàng")
            #expect(vietnamese.text("circuit") == "mạch đóng")
            #expect(vietnamese.dom.contains("Lưu lượng theo tỉnh") && vietnamese.dom.contains(#"lang="vi""#))
            #expect(!vietnamese.dom.contains("Throughput per province"))

            let english = url + "?lang=en"
            Self.drive(metrics, elapsed, seconds: 0..<5, intensity: 2)
            elapsed.set(.seconds(5))
            let first = DashboardReading(dom: try await Chromium.run(english, ["--dump-dom"]))

            Self.drive(metrics, elapsed, seconds: 5..<12, intensity: 5)
            elapsed.set(.seconds(12))
            let second = DashboardReading(dom: try await Chromium.run(english, ["--dump-dom"]))

            let expected = metrics.status
            for reading in [first, second] {
                #expect(reading.text("ready") == "ready")
                #expect(reading.text("circuit") == "circuit closed")
                #expect(reading.dom.contains("Throughput per province"))
                #expect(reading.portalRows == 3)
                #expect(reading.dom.contains("Phú Thọ"))
                #expect(reading.number("consumer-lag") == 37)
                for id in [
                    "published-rate", "consumed-rate", "latency-p50", "latency-p99", "cache-hit-ratio", "quota-used",
                ] {
                    #expect(reading.number(id) != nil, "\(id) shows \(reading.text(id) ?? "nothing")")
                }
            }
            #expect(second.number("total-published") == Double(expected.totals.published))
            let firstTotal = try #require(first.number("total-published"))
            #expect(firstTotal > 0 && firstTotal < Double(expected.totals.published))
            for id in ["published-rate", "consumed-rate", "latency-p99", "quota-used"] {
                #expect(first.number(id) != second.number(id), "\(id) stayed at \(first.text(id) ?? "nothing")")
            }

            let artifacts = packageRoot.appendingPathComponent(".ci-artifacts")
            try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
            let screenshot = artifacts.appendingPathComponent("dashboard.png")
            try? FileManager.default.removeItem(at: screenshot)
            _ = try await Chromium.run(url, ["--window-size=1440,1100", "--screenshot=\(screenshot.path)"])
            let png = try Data(contentsOf: screenshot)
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
            #expect(png.count > 20_000, "a blank page compresses far smaller")
        }
    }
}
