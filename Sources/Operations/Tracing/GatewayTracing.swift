import Kafka
import LogKeys
import Logging
import OTel
import ServiceLifecycle
import Tracing

/// Installs the process-wide tracer. Without it swift-distributed-tracing's no-op tracer stays, and the
/// gateway only forwards the `traceparent` it received.
public enum GatewayTracing {
    /// Bootstraps the OTLP tracer when tracing is enabled and returns the service that batches and
    /// exports spans (run it in the service group, so spans are flushed at shutdown); `nil` when disabled.
    /// Call at most once per process: the instrumentation system can be bootstrapped only once.
    public static func bootstrap(_ configuration: TracingConfiguration, logger: Logger) throws -> (any Service)? {
        guard configuration.enabled else { return nil }
        var otel = OTel.Configuration.default
        otel.serviceName = configuration.serviceName
        otel.diagnosticLogger = .custom(logger)
        otel.metrics.enabled = false
        otel.logs.enabled = false
        otel.traces.exporter = .otlp
        // An endpoint set here is used as it is, so the signal's path is added as the specification's default would.
        let base =
            configuration.endpoint.hasSuffix("/") ? String(configuration.endpoint.dropLast()) : configuration.endpoint
        otel.traces.otlpExporter.endpoint = base + "/v1/traces"
        otel.traces.otlpExporter.protocol = .httpProtobuf
        if let sampler = OTel.Configuration.TracesConfiguration.SamplerConfiguration.parentBasedTraceIDRatio(
            ratio: configuration.sampleRatio
        ) {
            otel.traces.sampler = sampler
        }
        let (tracer, service) = try OTel.makeTracingBackend(configuration: otel)
        InstrumentationSystem.bootstrap(tracer)
        logger.notice(
            "Tracing: exporting spans over OTLP/HTTP",
            metadata: [LogKey.endpoint: "\(configuration.endpoint)"]
        )
        return service
    }
}

/// Reads trace context (`traceparent`, `tracestate`) from a Kafka message's headers.
public struct KafkaHeadersExtractor: Extractor {
    public init() {}

    public func extract(key: String, from carrier: [KafkaHeader]) -> String? {
        carrier.first(named: key)?.stringValue
    }
}

/// Writes trace context into a Kafka record's headers.
public struct KafkaHeadersInjector: Injector {
    public init() {}

    public func inject(_ value: String, forKey key: String, into carrier: inout [KafkaHeader]) {
        carrier.append(KafkaHeader(name: key, string: value))
    }
}
