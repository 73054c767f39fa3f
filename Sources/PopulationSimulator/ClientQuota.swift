import DequeModule
import DurationUnits

/// One client's quota, exact over every one-second window: a request is accepted only if fewer
/// than `quota` requests were accepted in the second before it, and a token bucket (capacity
/// `burst`, refilled at `quota` per second) has a token. Only accepted requests count, so a
/// client that keeps retrying too fast is not locked out for longer than its own excess.
struct ClientQuota {
    static let window: Duration = .seconds(1)

    /// Instants of accepted requests within the last window, oldest first.
    private var accepted: Deque<ContinuousClock.Instant> = []
    private var tokens: Double?
    private var refilledAt: ContinuousClock.Instant?

    /// `nil` when the request is accepted (and counted), otherwise how long until one would be.
    mutating func admit(at now: ContinuousClock.Instant, quota: Int, burst: Int) -> Duration? {
        guard quota > 0 else { return nil }
        // The window is (now - 1s, now]: a request exactly one second older no longer counts.
        while let oldest = accepted.first, oldest <= now - Self.window { accepted.removeFirst() }

        let capacity = Double(max(1, min(burst, quota)))
        var available = tokens ?? capacity
        if let refilledAt { available = min(capacity, available + (now - refilledAt).inSeconds * Double(quota)) }
        tokens = available
        refilledAt = now

        var wait = Duration.zero
        if accepted.count >= quota {
            wait = accepted[accepted.count - quota] + Self.window - now
        }
        if available < 1 {
            wait = max(wait, .seconds((1 - available) / Double(quota)))
        }
        guard wait == .zero else { return wait }
        tokens = available - 1
        accepted.append(now)
        return nil
    }
}
