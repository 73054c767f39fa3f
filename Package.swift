// swift-tools-version: 6.1
import PackageDescription

// CI sets DANCU_WARNINGS_AS_ERRORS=1 so that a warning in our own targets fails the build
// without touching dependencies (a -Xswiftc flag would apply to them too).
let warningsAsErrors = Context.environment["DANCU_WARNINGS_AS_ERRORS"] == "1"
let strictSettings: [SwiftSetting] =
    warningsAsErrors ? [.unsafeFlags(["-warnings-as-errors"])] : []

let package = Package(
    name: "dancu-gateway",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "dancu-gateway", targets: ["dancu-gateway"]),
        .executable(name: "dancu-sim", targets: ["dancu-sim"]),
        .executable(name: "dancu-load", targets: ["dancu-load"]),
        .executable(name: "dancu-bench", targets: ["dancu-bench"]),
        .executable(name: "dancu-batch", targets: ["dancu-batch"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/pointfreeco/swift-clocks", from: "1.1.1"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
        // OTLP over HTTP only: the gRPC exporter would bring grpc-swift for nothing an operator needs.
        .package(url: "https://github.com/swift-otel/swift-otel", from: "1.6.0", traits: ["OTLPHTTP"]),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // The only C in the project: librdkafka from the system (Debian's librdkafka-dev).
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        // libxlsxwriter from the system (Debian's libxlsxwriter-dev), for the campaign's .xlsx output.
        .systemLibrary(
            name: "CXlsxWriter",
            pkgConfig: "xlsxwriter",
            providers: [.apt(["libxlsxwriter-dev"])]
        ),
        // Kafka producer, consumer, admin and the embedded (mock) cluster. The only target that imports CRdKafka.
        .target(
            name: "Kafka",
            dependencies: [
                "LogKeys",
                "CRdKafka",
                "DurationUnits",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // Every log metadata key, one table for every module that logs (Kafka included), so their spellings agree.
        .target(
            name: "LogKeys",
            swiftSettings: strictSettings
        ),
        // A Duration in seconds, milliseconds or nanoseconds, written once for every module.
        .target(
            name: "DurationUnits",
            swiftSettings: strictSettings
        ),
        // Loading the YAML configuration with environment overrides and unknown-key detection.
        .target(
            name: "DanCuConfig",
            dependencies: ["DurationUnits", .product(name: "Yams", package: "Yams")],
            swiftSettings: strictSettings
        ),
        // The request/outcome contract and the domain rules: validation, normalisation, texts, minimisation.
        .target(
            name: "DanCuContract",
            dependencies: ["DanCuConfig"],
            swiftSettings: strictSettings
        ),
        // A deterministic synthetic population, addressable by index, CCCD or CMND without storing it.
        .target(
            name: "SyntheticPopulation",
            dependencies: ["DanCuContract"],
            swiftSettings: strictSettings
        ),
        // The population database's SOAP protocol and the client the gateway uses.
        .target(
            name: "PopulationDB",
            dependencies: [
                "LogKeys",
                .product(name: "NIOHTTP1", package: "swift-nio"),
                "DanCuContract",
                "DanCuConfig",
                "DurationUnits",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: strictSettings
        ),
        // A population-database simulator (SOAP over HTTP), run standalone or in-process.
        .target(
            name: "PopulationSimulator",
            dependencies: [
                "LogKeys",
                "DanCuContract", .product(name: "NIOCore", package: "swift-nio"),
                "DurationUnits",
                "PopulationDB",
                "SyntheticPopulation",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: strictSettings
        ),
        // Spending the national quota: priority and fair scheduling, adaptive rate, the result cache, the circuit breaker.
        .target(
            name: "Scheduling",
            dependencies: [
                "LogKeys",
                "DurationUnits",
                "DanCuConfig",
                "DanCuContract",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // Operations: metrics, the admin server and dashboard, structured logs, the audit record.
        .target(
            name: "Operations",
            dependencies: [
                "LogKeys",
                "Scheduling",
                "DurationUnits",
                "DanCuConfig",
                "DanCuContract",
                "Kafka",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "OTel", package: "swift-otel"),
            ],
            swiftSettings: strictSettings
        ),
        // Generated traffic with an oracle, replay and recording, and the load report.
        .target(
            name: "TrafficModel",
            dependencies: [
                "LogKeys",
                "DanCuConfig",
                "DanCuContract",
                "SyntheticPopulation",
                "Kafka",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // The gateway pipeline: consume, validate, call, publish, commit.
        .target(
            name: "Gateway",
            dependencies: [
                "LogKeys",
                "DurationUnits",
                "Kafka",
                "DanCuConfig",
                "DanCuContract",
                "PopulationDB",
                "Scheduling",
                "Operations",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        // Development mode's stand-ins, outside the production library: the embedded Kafka cluster with the
        // gateway's topics and the population-database simulator, run in the gateway's ServiceGroup.
        .target(
            name: "DevelopmentEnvironment",
            dependencies: [
                "LogKeys",
                "DurationUnits",
                "Gateway",
                "Kafka",
                "DanCuConfig",
                "DanCuContract",
                "Operations",
                "PopulationSimulator",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        // Clean-up campaigns from officers' spreadsheets: reading, repairing, campaign state, results.
        .target(
            name: "BatchCampaign",
            dependencies: [
                "LogKeys",
                "DurationUnits",
                "CXlsxWriter",
                "DanCuConfig",
                "DanCuContract",
                "Kafka",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "dancu-batch",
            dependencies: [
                "CommandSupport",
                "BatchCampaign",
                "DanCuConfig",
                "DanCuContract",
                // For the configuration: the gateway's own loader and checks.
                "Gateway",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        // What every command shares: one exit status per kind of failure.
        .target(
            name: "CommandSupport",
            dependencies: [
                "DanCuConfig",
                "Kafka",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "dancu-gateway",
            dependencies: [
                "DurationUnits",
                "CommandSupport",
                "Gateway",
                "DevelopmentEnvironment",
                "DanCuConfig",
                "DanCuContract",
                "Kafka",
                "Operations",
                "TrafficModel",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "dancu-sim",
            dependencies: [
                "PopulationSimulator",
                "DanCuConfig",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "dancu-load",
            dependencies: [
                "CommandSupport",
                "TrafficModel",
                "DanCuConfig",
                "DanCuContract",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        // Benchmarks that compare the Kafka layer with kcat on the same embedded cluster.
        .executableTarget(
            name: "dancu-bench",
            dependencies: [
                "DurationUnits",
                "Kafka",
                "DanCuConfig",
                "DevelopmentEnvironment",
                "Gateway",
                "DanCuContract",
                "SyntheticPopulation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SchedulingTests",
            dependencies: [
                "DanCuConfig", .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"), "Scheduling", "DanCuContract", "DurationUnits",
                .product(name: "Clocks", package: "swift-clocks"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "OperationsTests",
            dependencies: [
                "LogKeys",
                "Scheduling",
                "Operations",
                "DanCuConfig",
                "DanCuContract",
                "Kafka",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TrafficModelTests",
            dependencies: [
                "DanCuConfig", "DanCuContract", "Kafka", .product(name: "Logging", package: "swift-log"),
                "SyntheticPopulation", "TrafficModel", .product(name: "Clocks", package: "swift-clocks"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "KafkaTests",
            dependencies: [.product(name: "Logging", package: "swift-log"), "Kafka"],
            swiftSettings: strictSettings
        ),
        // Reads Sources/: the table's spellings are unique and no metadata key is spelt where it is used.
        .testTarget(
            name: "LogKeysTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "DanCuConfigTests",
            dependencies: ["DanCuConfig"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "DanCuContractTests",
            dependencies: [
                "DanCuConfig",
                "DanCuContract",
                // The cache key is part of what name normalisation must keep equal (PropertyTests).
                "Scheduling",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            // Checks Docs/ against the JSON Schemas; run by DocsTests with python3.
            exclude: ["validate_docs.py"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SyntheticPopulationTests",
            dependencies: ["DanCuContract", "SyntheticPopulation"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PopulationDBTests",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"), "DanCuConfig", "DanCuContract",
                .product(name: "Logging", package: "swift-log"), .product(name: "NIOCore", package: "swift-nio"),
                "PopulationDB", "PopulationSimulator", "SyntheticPopulation", "DurationUnits",
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "BatchCampaignTests",
            dependencies: [
                "BatchCampaign", "DanCuContract", "Kafka", "SyntheticPopulation",
                .product(name: "Logging", package: "swift-log"),
            ],
            // Writes the Excel and CSV fixtures and reads our output back with openpyxl.
            exclude: ["excel_fixtures.py"],
            swiftSettings: strictSettings
        ),
        // Unit tests of the gateway's parts: no Kafka, no network, time injected.
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "Gateway",
                "DanCuConfig",
                "DanCuContract",
                "Kafka",
                "Operations",
                // A fake population database answers UpstreamAccess's calls with the client's own errors.
                "PopulationDB",
                "Scheduling",
                .product(name: "Clocks", package: "swift-clocks"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strictSettings
        ),
        // The gateway end to end: in-process on an embedded cluster and a loopback simulator, and its commands
        // as processes (found through GATEWAY_BIN_PATH, which scripts/test takes from `swift build --show-bin-path`).
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "Gateway",
                "DanCuConfig",
                "DanCuContract",
                "Kafka",
                "Operations",
                "PopulationDB",
                "PopulationSimulator",
                "SyntheticPopulation",
                .product(name: "Clocks", package: "swift-clocks"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)
