import DanCuConfig
import Foundation
import Logging
import Testing

@testable import PopulationDB
@testable import PopulationSimulator

/// Mutual TLS for real: a CA, a server and client certificates made with openssl for this test, the
/// simulator serving HTTPS and requiring client certificates, and the gateway's client connecting.
@Suite("Mutual TLS against the simulator", .timeLimit(.minutes(2)))
struct MutualTLSTests {
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    /// Certificate files in a fresh temporary folder: `ca`, `server` and `client` signed by the CA,
    /// and `stranger`, a client certificate from a CA the simulator does not trust.
    struct Material {
        let folder: URL
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

        static func make() throws -> Material {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dancu-tls-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let material = Material(folder: folder)
            try material.makeAuthority("ca", subject: "/CN=DanCu Test CA")
            try material.makeAuthority("other-ca", subject: "/CN=Untrusted CA")
            try material.issue(
                "server",
                by: "ca",
                subject: "/CN=127.0.0.1",
                extensions: [
                    "subjectAltName=IP:127.0.0.1,DNS:localhost", "extendedKeyUsage=serverAuth",
                ]
            )
            try material.issue(
                "client",
                by: "ca",
                subject: "/CN=dancu-gateway",
                extensions: ["extendedKeyUsage=clientAuth"]
            )
            try material.issue(
                "stranger",
                by: "other-ca",
                subject: "/CN=dancu-gateway",
                extensions: [
                    "extendedKeyUsage=clientAuth"
                ]
            )
            return material
        }

        private func makeAuthority(_ name: String, subject: String) throws {
            try openssl([
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", path("\(name).key"), "-out", path("\(name).pem"), "-days", "2", "-subj", subject,
            ])
        }

        private func issue(_ name: String, by authority: String, subject: String, extensions: [String]) throws {
            try openssl([
                "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", path("\(name).key"), "-out", path("\(name).csr"), "-subj", subject,
            ])
            try Data((extensions.joined(separator: "\n") + "\n").utf8).write(
                to: URL(fileURLWithPath: path("\(name).ext"))
            )
            try openssl([
                "x509", "-req", "-in", path("\(name).csr"), "-CA", path("\(authority).pem"),
                "-CAkey", path("\(authority).key"), "-CAcreateserial", "-out", path("\(name).pem"), "-days", "2",
                "-extfile", path("\(name).ext"),
            ])
        }

        private func openssl(_ arguments: [String]) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["openssl"] + arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw TLSMaterialError(description: "openssl \(arguments.prefix(2).joined(separator: " ")) failed")
            }
        }

        func remove() { try? FileManager.default.removeItem(at: folder) }
    }

    struct TLSMaterialError: Error, CustomStringConvertible {
        let description: String
    }

    /// Starts the simulator on HTTPS requiring client certificates from `ca`, and asks it one verify
    /// question through a client configured by `tls`.
    static func verify(
        with material: Material,
        tls: (inout TLSFiles) -> Void
    ) async throws -> Result<Bool, PopulationDBError> {
        let simulatorConfiguration = SimulatorConfiguration(
            citizens: 100,
            tls: SimulatorTLS(
                certificateFile: material.path("server.pem"),
                privateKeyFile: material.path("server.key"),
                clientCAFile: material.path("ca.pem")
            )
        )
        let simulator = PopulationSimulator(configuration: simulatorConfiguration, logger: logger)
        let port = try await simulator.start()
        var configuration = PopulationDBConfiguration()
        configuration.username = simulatorConfiguration.username
        configuration.secret = Secret(simulatorConfiguration.secret)
        configuration.connectTimeout = .seconds(30)
        configuration.requestTimeout = .seconds(60)
        tls(&configuration.tls)
        let url = simulator.endpointURL(port: port)
        #expect(url.hasPrefix("https://"))
        let client = try PopulationDBClient(configuration: configuration, url: url, logger: logger)
        let citizen = simulator.population.citizen(at: 7)
        let query = PopulationQuery(
            requestId: "tls-1",
            serviceCode: "1.000001",
            idNumber: citizen.idNumber,
            fullName: citizen.fullName,
            dateOfBirth: citizen.dateOfBirth
        )
        let result: Result<Bool, PopulationDBError>
        do { result = .success(try await client.verify(query)) } catch { result = .failure(error) }
        try await client.shutdown()
        await simulator.stop()
        return result
    }

    /// What the gateway's client is given: which CA it trusts and which certificate it shows, by file stem.
    struct ClientSetup: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let trustsServerCA: Bool
        let certificate: String?
        let connects: Bool
    }

    @Test(arguments: [
        ClientSetup(
            testDescription: "the right client certificate connects",
            trustsServerCA: true,
            certificate: "client",
            connects: true
        ),
        ClientSetup(
            testDescription: "no client certificate is refused",
            trustsServerCA: true,
            certificate: nil,
            connects: false
        ),
        ClientSetup(
            testDescription: "a certificate from another CA is refused",
            trustsServerCA: true,
            certificate: "stranger",
            connects: false
        ),
        ClientSetup(
            testDescription: "a server of an unknown CA is not trusted",
            trustsServerCA: false,
            certificate: "client",
            connects: false
        ),
    ])
    func handshake(_ setup: ClientSetup) async throws {
        let material = try Material.make()
        defer { material.remove() }
        let result = try await Self.verify(with: material) { tls in
            if setup.trustsServerCA { tls.caFile = material.path("ca.pem") }
            if let certificate = setup.certificate {
                tls.certificateFile = material.path("\(certificate).pem")
                tls.privateKeyFile = material.path("\(certificate).key")
            }
        }
        switch result {
        case .success(let verified):
            #expect(setup.connects && verified, "the citizen verifies over the mutual-TLS connection")
        case .failure(let error):
            #expect(!setup.connects, "\(error)")
            // A refused handshake is a connection failure: retried, then answered unavailable.
            #expect(error.code == .connectionFailed)
        }
    }
}
