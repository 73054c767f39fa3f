import DanCuConfig

/// The `admin` section: where the admin server (`/metrics`, `/healthz`, `/readyz`, `/status`, the
/// dashboard) listens. It has no authentication, so it listens on loopback unless told otherwise.
public struct AdminConfiguration: Sendable, Codable, Equatable {
    /// The address to bind, e.g. `0.0.0.0` to let Prometheus on another host scrape. Default: `127.0.0.1`.
    public var host: String
    /// The port; `0` picks a free one (tests). Default: `8080`.
    public var port: Int

    public init() {
        host = "127.0.0.1"
        port = 8080
    }

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(decoder, keys: CodingKeys.self)
        let defaults = Self()
        host = section.value(.host, default: defaults.host, "must not be empty") { !$0.isEmpty }
        port = section.value(.port, default: defaults.port, "must be a port number 0-65535 (0 picks a free one)") {
            (0...65535).contains($0)
        }
    }
}
