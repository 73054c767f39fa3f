import DanCuContract
import Kafka

/// What a portal's message carries beside its value, checked as it is consumed: nothing one portal puts in a
/// header may reach the population database's HTTP request or an outcome unless it parsed.
enum PortalHeaders {
    /// The message with its trace context kept only when it parses (normalised), and the names of the trace
    /// headers dropped for not parsing. Without a valid `traceparent`, `tracestate` means nothing and goes too
    /// (it is counted only when it did not parse itself). A header given twice is invalid: which one would count?
    static func screen(_ message: KafkaMessage) -> (message: KafkaMessage, invalid: [String]) {
        let parentHeaders = message.headers.filter { $0.name == TraceContext.traceparentHeader }
        let stateHeaders = message.headers.filter { $0.name == TraceContext.tracestateHeader }
        guard !parentHeaders.isEmpty || !stateHeaders.isEmpty else { return (message, []) }
        var invalid: [String] = []
        let traceparent = single(parentHeaders).flatMap(TraceContext.traceparent)
        if !parentHeaders.isEmpty, traceparent == nil { invalid.append(TraceContext.traceparentHeader) }
        let tracestate = single(stateHeaders).flatMap(TraceContext.tracestate)
        if !stateHeaders.isEmpty, tracestate == nil { invalid.append(TraceContext.tracestateHeader) }

        var screened = message
        screened.headers = message.headers.filter {
            $0.name != TraceContext.traceparentHeader && $0.name != TraceContext.tracestateHeader
        }
        if let traceparent {
            screened.headers.append(KafkaHeader(name: TraceContext.traceparentHeader, string: traceparent))
            if let tracestate {
                screened.headers.append(KafkaHeader(name: TraceContext.tracestateHeader, string: tracestate))
            }
        }
        return (screened, invalid)
    }

    /// The bytes of a message as `requests.maxMessageBytes` counts them: key, every header's name and value, and
    /// the value, as a broker's record holds them.
    static func keyAndHeadersBytes(of message: KafkaMessage) -> Int {
        (message.key?.count ?? 0) + message.headers.reduce(0) { $0 + $1.name.utf8.count + ($1.value?.count ?? 0) }
    }

    private static func single(_ headers: [KafkaHeader]) -> [UInt8]? {
        headers.count == 1 ? headers[0].value : nil
    }
}
