/// `GET /_sim/stats`: what the simulator received; the referee for every quota claim.
/// Rates count arrivals (accepted or not) in one-second windows.
public struct SimulatorStats: Sendable, Hashable, Codable {
    /// Every request to the SOAP endpoint since start or the last reset.
    public var totalRequests: Int
    /// Answered requests by operation name (`XacThucThongTinCongDan`, `TraCuuThongTinCongDan`,
    /// or `unknown` when the body could not be read).
    public var byOperation: [String: Int]
    /// Answered requests by HTTP status (`"200"`, `"429"`, ...).
    public var byStatus: [String: Int]
    /// Arrivals in the last second.
    public var currentRps: Int
    /// The most arrivals in any one-second window.
    public var maxRps1s: Int
    /// Arrivals per second from the first arrival to the last (0 below two): under a steady load, the
    /// rate the client sustained, without the ramp before its first call or the idle time after its last.
    public var meanRps: Double
    /// The most requests in progress at once.
    public var maxConcurrency: Int
    /// Requests in progress now.
    public var inFlight: Int
    /// The same by client (the user name of the `Authorization` header, or `anonymous`).
    public var clients: [String: Client]

    public struct Client: Sendable, Hashable, Codable {
        public var totalRequests: Int
        public var byOperation: [String: Int]
        public var byStatus: [String: Int]
        public var currentRps: Int
        public var maxRps1s: Int
        public var meanRps: Double
    }
}
