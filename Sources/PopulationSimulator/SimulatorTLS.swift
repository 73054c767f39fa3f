import NIOSSL

/// TLS for the simulator, so mutual TLS with the gateway's client is tested for real: the server's
/// certificate and key, and optionally the CA whose client certificates are required.
public struct SimulatorTLS: Sendable {
    /// PEM file with the server certificate (chain first).
    public var certificateFile: String
    /// PEM file with the server certificate's private key.
    public var privateKeyFile: String
    /// PEM file with the CA certificates that sign accepted client certificates; when set, a client
    /// without such a certificate is refused during the handshake. Default: `nil` (no client certificate)
    public var clientCAFile: String?

    public init(certificateFile: String, privateKeyFile: String, clientCAFile: String? = nil) {
        self.certificateFile = certificateFile
        self.privateKeyFile = privateKeyFile
        self.clientCAFile = clientCAFile
    }

    /// Reads the files now, so a bad file stops the start with its name instead of failing handshakes.
    func serverConfiguration() throws(SimulatorError) -> TLSConfiguration {
        func load<T>(_ what: String, _ path: String, _ read: () throws -> T) throws(SimulatorError) -> T {
            do { return try read() } catch { throw SimulatorError.unreadableTLSFile("\(what) \(path): \(error)") }
        }
        let chain = try load("certificate", certificateFile) { try NIOSSLCertificate.fromPEMFile(certificateFile) }
        let key = try load("private key", privateKeyFile) { try NIOSSLPrivateKey(file: privateKeyFile, format: .pem) }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) },
            privateKey: .privateKey(key)
        )
        if let clientCAFile {
            let roots = try load("client CA", clientCAFile) { try NIOSSLCertificate.fromPEMFile(clientCAFile) }
            configuration.trustRoots = .certificates(roots)
            configuration.certificateVerification = .noHostnameVerification
        }
        return configuration
    }
}
