import DanCuConfig

/// The `tracing` section: spans of each request and each population-database call, exported over
/// OTLP/HTTP (protobuf) to an OpenTelemetry collector. Off unless configured; the W3C `traceparent`
/// of a request is carried to its outcome and upstream call either way.
public struct TracingConfiguration: Sendable, Codable, Equatable {
    /// Whether spans are recorded and exported. Default: `false`.
    public var enabled: Bool
    /// The collector's OTLP/HTTP endpoint; spans go to `<endpoint>/v1/traces`. Default: `http://127.0.0.1:4318`.
    public var endpoint: String
    /// `service.name` of the exported spans. Default: `dancu-gateway`.
    public var serviceName: String
    /// Share of traces started here that are recorded (those a portal started keep the portal's decision).
    /// Default: `1`.
    public var sampleRatio: Double

    public init() {
        enabled = false
        endpoint = "http://127.0.0.1:4318"
        serviceName = "dancu-gateway"
        sampleRatio = 1
    }

    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(decoder, keys: CodingKeys.self)
        let defaults = Self()
        enabled = section.value(.enabled, default: defaults.enabled)
        endpoint = section.value(.endpoint, default: defaults.endpoint, "must be an http:// or https:// URL") {
            $0.hasPrefix("http://") || $0.hasPrefix("https://")
        }
        serviceName = section.value(.serviceName, default: defaults.serviceName, "must not be empty") { !$0.isEmpty }
        sampleRatio = section.value(.sampleRatio, default: defaults.sampleRatio, "must be from 0 to 1") {
            (0...1).contains($0)
        }
    }
}
