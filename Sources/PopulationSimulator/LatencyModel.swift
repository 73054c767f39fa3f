import Foundation

/// Added latency with a long tail: log-normal with the given median and 99th percentile, the
/// usual shape of a database behind a busy network (most answers quick, a few very slow).
struct LatencyModel: Sendable, Hashable {
    /// z of the 99th percentile of the standard normal distribution.
    private static let z99 = 2.326_347_874
    private let mu: Double
    private let sigma: Double
    private let isZero: Bool

    init(medianMs: Double, p99Ms: Double) {
        isZero = medianMs <= 0
        mu = isZero ? 0 : Foundation.log(medianMs)
        sigma = (isZero || p99Ms <= medianMs) ? 0 : Foundation.log(p99Ms / medianMs) / Self.z99
    }

    func sample(using generator: inout some RandomNumberGenerator) -> Duration {
        guard !isZero else { return .zero }
        // Box-Muller; 1 - u keeps the logarithm's argument in (0, 1].
        let u1 = 1 - Double.random(in: 0..<1, using: &generator)
        let u2 = Double.random(in: 0..<1, using: &generator)
        let normal = (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
        return .microseconds(Int64((Foundation.exp(mu + sigma * normal) * 1000).rounded()))
    }
}
