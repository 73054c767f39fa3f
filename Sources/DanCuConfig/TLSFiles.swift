/// The TLS material of a connection the gateway opens (`kafka.tls`, `populationDb.tls`): whom to trust and,
/// for mutual TLS, which certificate to show. Relative paths are relative to the working directory.
public struct TLSFiles: Sendable, Codable, Equatable {
    /// PEM file with the CA certificates that sign the server's certificate. Default: none (system roots)
    public var caFile: String?
    /// PEM file with this gateway's client certificate (mutual TLS); needs `privateKeyFile`. Default: none
    public var certificateFile: String?
    /// PEM file with the client certificate's private key; needs `certificateFile`. Default: none
    public var privateKeyFile: String?
    /// Password of an encrypted private key, from the environment (`…_TLS_PRIVATE_KEY_PASSWORD`). Default: none
    public var privateKeyPassword: Secret?

    public init(caFile: String? = nil, certificateFile: String? = nil, privateKeyFile: String? = nil) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.privateKeyFile = privateKeyFile
    }

    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(decoder, keys: CodingKeys.self)
        caFile = section.optional(.caFile, "must not be empty") { !$0.isEmpty }
        certificateFile = section.optional(.certificateFile, "must not be empty") { !$0.isEmpty }
        privateKeyFile = section.optional(.privateKeyFile, "must not be empty") { !$0.isEmpty }
        privateKeyPassword = section.optional(.privateKeyPassword)
        if (certificateFile == nil) != (privateKeyFile == nil) {
            section.report(
                certificateFile == nil ? .certificateFile : .privateKeyFile,
                "certificateFile and privateKeyFile must be given together"
            )
        }
    }

    public var isEmpty: Bool { self == TLSFiles() }
}
