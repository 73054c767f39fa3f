import DanCuContract
import Testing

@testable import TrafficModel

@Suite struct LoadProfileTests {
    @Test(arguments: [
        ("verify=60,lookup=30,link=10", [60, 30, 10]),
        ("link=1", [0, 0, 1]),
        (" verify = 5 , lookup=0", [5, 0, 0]),
    ])
    func parsesMixes(text: String, weights: [Int]) throws {
        let mix = try WeightedMix<RequestType>(parsing: text)
        let parsed = RequestType.allCases.map { type in mix.entries.first { $0.value == type }?.weight ?? 0 }
        #expect(parsed == weights)
    }

    @Test(arguments: ["verify=60,lookup", "verify=-1", "kiosk=3", "verify=0,lookup=0", "verify=1,verify=2", ""])
    func refusesBadMixes(text: String) {
        #expect(throws: LoadProfileError.self) { try WeightedMix<RequestType>(parsing: text) }
    }

    @Test func picksInProportionAmongAllowedValues() throws {
        let mix = try WeightedMix<RequestType>(parsing: "verify=60,lookup=30,link=10")
        #expect(mix.pick(0.0) == .verify)
        #expect(mix.pick(0.59) == .verify)
        #expect(mix.pick(0.61) == .lookup)
        #expect(mix.pick(0.95) == .link)
        // Without link, lookup's 30 of the remaining 90 start at two thirds.
        #expect(mix.pick(0.68, allowed: { $0 != .link }) == .lookup)
        #expect(mix.pick(0.65, allowed: { $0 != .link }) == .verify)
        #expect(mix.pick(0.5, allowed: { _ in false }) == nil)
    }
}
