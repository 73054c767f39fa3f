import ArgumentParser
import DanCuConfig
import Foundation
import Logging
import PopulationSimulator

/// `dancu-sim`: the population-database simulator as a process, for load and chaos tests.
@main
struct DancuSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dancu-sim",
        abstract: "A population-database (CSDLQG về dân cư) simulator speaking the real SOAP protocol.",
        version: BuildVersion.current
    )

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on; 0 picks a free one (printed on the first line of stdout).")
    var port = 0

    @Option(help: "Size of the synthetic population.")
    var citizens = 1_000_000

    @Option(help: "Seed of the synthetic population.")
    var seed: UInt64 = 1

    @Option(help: "The user name whose signatures are accepted.")
    var username = "dancu-gateway"

    @Option(
        help:
            "The shared signing secret; prefer DANCU_SIM_SECRET, which the process list does not show. Default: dancu-sim-secret."
    )
    var secret: String?

    /// The flag, else the environment, else the development default the gateway's test settings use.
    private var signingSecret: String {
        secret ?? ProcessInfo.processInfo.environment["DANCU_SIM_SECRET"] ?? "dancu-sim-secret"
    }

    @Option(help: "Accepted requests per second per client, exact over every one-second window; 0 is unlimited.")
    var quota = 0

    @Option(help: "Requests a client may send back to back (refilled at --quota per second); default --quota.")
    var burst: Int?

    @Option(name: .customLong("latency-ms"), help: "Median added latency in milliseconds.")
    var latencyMs: Double = 0

    @Option(name: .customLong("latency-p99-ms"), help: "99th percentile of the added latency (log-normal tail).")
    var latencyP99Ms: Double = 0

    @Option(help: "Share (0-1) of requests answered HTTP 500 with a SOAP fault.")
    var errorRate: Double = 0

    @Option(help: "Share (0-1) of requests never answered until the client gives up.")
    var timeoutRate: Double = 0

    @Option(help: "Seconds a request chosen by --timeout-rate is held before it is answered 504.")
    var hangLimit: Double = 120

    @Option(
        name: .customLong("tls-cert"),
        help: "PEM server certificate: serve HTTPS instead of HTTP (needs --tls-key)."
    )
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: "PEM private key of --tls-cert.")
    var tlsKey: String?

    @Option(name: .customLong("client-ca"), help: "PEM CA certificates: require client certificates signed by them.")
    var clientCA: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0-65535") }
        guard citizens > 0 else { throw ValidationError("--citizens must be positive") }
        guard quota >= 0 else { throw ValidationError("--quota must be 0 (unlimited) or more") }
        if let burst, burst <= 0 { throw ValidationError("--burst must be positive") }
        guard latencyMs >= 0, latencyP99Ms >= 0 else { throw ValidationError("latencies must be 0 or more") }
        guard (0...1).contains(errorRate), (0...1).contains(timeoutRate) else {
            throw ValidationError("--error-rate and --timeout-rate must be between 0 and 1")
        }
        guard hangLimit > 0, hangLimit.isFinite else { throw ValidationError("--hang-limit must be positive") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level is not a level") }
        guard (tlsCertificate == nil) == (tlsKey == nil) else {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
        if clientCA != nil, tlsCertificate == nil {
            throw ValidationError("--client-ca needs --tls-cert and --tls-key")
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let simulator = PopulationSimulator(
            configuration: SimulatorConfiguration(
                host: host,
                port: port,
                citizens: citizens,
                seed: seed,
                username: username,
                secret: signingSecret,
                quota: quota,
                burst: burst,
                latencyMs: latencyMs,
                latencyP99Ms: latencyP99Ms,
                errorRate: errorRate,
                timeoutRate: timeoutRate,
                hangLimit: .seconds(hangLimit),
                tls: tlsCertificate.flatMap { certificate in
                    tlsKey.map {
                        SimulatorTLS(certificateFile: certificate, privateKeyFile: $0, clientCAFile: clientCA)
                    }
                }
            ),
            logger: Logger(label: "dancu-sim")
        )
        let boundPort = try await simulator.start(stopOnSignals: true)
        // Written unbuffered: scripts wait for this line to learn the port.
        FileHandle.standardOutput.write(Data("listening: \(simulator.baseURL(port: boundPort))\n".utf8))
        try await simulator.waitUntilStopped()
    }
}
