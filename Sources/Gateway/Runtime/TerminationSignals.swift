import Logging
import ServiceLifecycle

/// Waiting for SIGTERM/SIGINT the way every long-running part here stops: through a service group.
public enum TerminationSignals {
    /// Returns when SIGTERM or SIGINT arrives.
    public static func wait(logger: Logger) async throws {
        let group = ServiceGroup(
            services: [UntilShutdown()],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        try await group.run()
    }

    private struct UntilShutdown: Service {
        func run() async throws {
            try await gracefulShutdown()
        }
    }
}
