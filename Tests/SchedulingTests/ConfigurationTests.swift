import DanCuConfig
import DanCuContract
import Testing

@testable import Scheduling

/// The three sections as they sit in gateway.yaml.
private struct Sections: Decodable {
    var scheduler: SchedulerConfiguration
    var cache: CacheConfiguration
    var circuitBreaker: CircuitBreakerConfiguration

    private enum CodingKeys: String, CodingKey {
        case scheduler, cache, circuitBreaker
    }

    init(from decoder: any Decoder) throws {
        let section = try ConfigSection(decoder, keys: CodingKeys.self)
        scheduler = section.value(.scheduler, default: SchedulerConfiguration())
        cache = section.value(.cache, default: CacheConfiguration())
        circuitBreaker = section.value(.circuitBreaker, default: CircuitBreakerConfiguration())
    }
}

@Suite struct ConfigurationTests {
    @Test func emptyFileGivesTheDocumentedDefaults() throws {
        let sections = try ConfigurationLoader.load(Sections.self, yaml: "{}", environment: [:])
        #expect(sections.scheduler.minimumShares == MinimumShares(online: 0.2, batch: 0.1))
        #expect(sections.scheduler.queueCapacityPerPortal == 1000)
        #expect(sections.scheduler.adaptive.latencyThreshold == .seconds(2))
        #expect(sections.cache.foundTTL == .seconds(600) && sections.cache.notFoundTTL == .seconds(60))
        #expect(sections.cache.enabledFor == [.verify, .lookup, .link] && sections.cache.secret == nil)
        #expect(sections.circuitBreaker == CircuitBreakerConfiguration())
    }

    @Test func valuesAndTheCacheSecretFromTheEnvironmentAreRead() throws {
        let sections = try ConfigurationLoader.load(
            Sections.self,
            yaml: """
                scheduler:
                  minimumShares: {online: 0.3, batch: 0.05}
                  adaptive: {latencyThreshold: 800ms, decreaseFactor: 0.7}
                cache:
                  foundTTL: 5m
                  enabledFor: [verify]
                circuitBreaker:
                  coolDown: 10s
                """,
            environment: ["DANCU_CACHE_SECRET": "sixteen or more characters"]
        )
        #expect(sections.scheduler.minimumShares == MinimumShares(online: 0.3, batch: 0.05))
        #expect(sections.scheduler.adaptive.latencyThreshold == .milliseconds(800))
        #expect(sections.scheduler.adaptive.decreaseFactor == 0.7)
        #expect(sections.cache.foundTTL == .seconds(300) && sections.cache.enabledFor == [.verify])
        #expect(sections.cache.secret?.value == "sixteen or more characters")
        #expect(sections.circuitBreaker.coolDown == .seconds(10))
    }

    @Test func everyBadValueIsReportedWithItsKey() {
        #expect {
            try ConfigurationLoader.load(
                Sections.self,
                yaml: """
                    scheduler:
                      minimumShares: {online: 0.6, batch: 0.5}
                      queueCapacityPerPortal: 0
                      adaptive: {decreaseFactor: 1.5}
                    cache:
                      notFoundTTL: never
                      secret: short
                    circuitBreaker:
                      windowSize: 5
                      minimumCalls: 8
                    """,
                environment: [:]
            )
        } throws: { error in
            let keys = Set((error as? ConfigurationError)?.issues.map(\.key) ?? [])
            return keys == [
                "scheduler.minimumShares.batch", "scheduler.queueCapacityPerPortal",
                "scheduler.adaptive.decreaseFactor", "cache.notFoundTTL", "cache.secret",
                "circuitBreaker.minimumCalls",
            ]
        }
    }
}
