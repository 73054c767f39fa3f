import AsyncHTTPClient
import DanCuConfig
import DanCuContract
import Foundation
import Logging
import NIOCore
import Testing

@testable import PopulationDB
@testable import PopulationSimulator

/// The client against the simulator on loopback: real HTTP, real signatures, real SOAP.
@Suite("Client against the simulator")
struct ClientAgainstSimulatorTests {
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
    static let citizens = 3000

    /// Runs `body` with a started simulator and a client for it; stops both whatever happens.
    static func withSimulator(
        _ simulatorConfiguration: SimulatorConfiguration = SimulatorConfiguration(citizens: citizens),
        client adjust: (inout PopulationDBConfiguration) -> Void = { _ in },
        clock: (@Sendable () -> Int64)? = nil,
        arrivalClock: (@Sendable () -> ContinuousClock.Instant)? = nil,
        _ body: (PopulationSimulator, PopulationDBClient, URL) async throws -> Void
    ) async throws {
        let simulator =
            if let arrivalClock {
                PopulationSimulator(
                    configuration: simulatorConfiguration,
                    logger: logger,
                    epochMilliseconds: { Int64((Date().timeIntervalSince1970 * 1000).rounded()) },
                    now: arrivalClock
                )
            } else {
                PopulationSimulator(configuration: simulatorConfiguration, logger: logger)
            }
        let port = try await simulator.start()
        let base = try #require(URL(string: "http://127.0.0.1:\(port)"))
        var configuration = PopulationDBConfiguration()
        configuration.username = simulatorConfiguration.username
        configuration.secret = Secret(simulatorConfiguration.secret)
        // Generous for a CI machine busy with other suites; tests of timeouts set their own.
        configuration.connectTimeout = .seconds(30)
        configuration.requestTimeout = .seconds(60)
        adjust(&configuration)
        let url = simulator.endpointURL(port: port)
        let client =
            if let clock {
                try PopulationDBClient(configuration: configuration, url: url, logger: logger, epochMilliseconds: clock)
            } else {
                try PopulationDBClient(configuration: configuration, url: url, logger: logger)
            }
        do {
            try await body(simulator, client, base)
        } catch {
            try await client.shutdown()
            await simulator.stop()
            throw error
        }
        try await client.shutdown()
        await simulator.stop()
    }

    /// A simulator clock that never moves: every call arrives in the same instant, so a quota refills only
    /// when a test says so, however slowly the machine runs.
    static let frozenArrivals: @Sendable () -> ContinuousClock.Instant = { [instant = ContinuousClock.now] in instant }

    static func query(for citizen: CitizenRecord, requestId: String = "req-test") -> PopulationQuery {
        PopulationQuery(
            requestId: requestId,
            serviceCode: "1.000001",
            idNumber: citizen.idNumber,
            fullName: citizen.fullName,
            dateOfBirth: citizen.dateOfBirth
        )
    }

    static func firstCitizen(
        in simulator: PopulationSimulator,
        where predicate: (CitizenRecord) -> Bool
    )
        -> CitizenRecord?
    {
        (0..<citizens).lazy.map { simulator.population.citizen(at: $0) }.first(where: predicate)
    }

    // MARK: Matching

    @Test("a citizen's own data verifies; changing any part does not")
    func verifyTrueAndFalse() async throws {
        try await Self.withSimulator { simulator, client, _ async throws in
            let citizen = try #require(
                Self.firstCitizen(in: simulator) { if case .full = $0.dateOfBirth { true } else { false } }
            )
            guard case .full(let year, let month, let day) = citizen.dateOfBirth else { return }
            let exact = Self.query(for: citizen)
            #expect(try await client.verify(exact) == true)

            // The registry compares exact text, as a real one does: writing names its way is the gateway's job.
            var spaced = exact
            spaced.fullName = "  " + citizen.fullName.lowercased().replacingOccurrences(of: " ", with: "   ") + " "
            #expect(try await client.verify(spaced) == false, "case and spacing are the caller's to normalise")

            var decomposed = exact
            decomposed.fullName = citizen.fullName.decomposedStringWithCanonicalMapping
            if decomposed.fullName != citizen.fullName {
                #expect(try await client.verify(decomposed) == false, "NFD is not the stored NFC text")
            }

            var stripped = exact
            stripped.fullName = citizen.fullName.folding(options: .diacriticInsensitive, locale: nil)
            if stripped.fullName != citizen.fullName {
                #expect(try await client.verify(stripped) == false, "diacritics matter")
            }

            var otherName = exact
            otherName.fullName = citizen.fullName + " X"
            #expect(try await client.verify(otherName) == false)

            var otherDay = exact
            otherDay.dateOfBirth = .full(year: year, month: month, day: day == 1 ? 2 : 1)
            #expect(try await client.verify(otherDay) == false)

            var yearOnly = exact
            yearOnly.dateOfBirth = .yearOnly(year)
            #expect(try await client.verify(yearOnly) == true, "the year alone matches a full date")

            var otherYear = exact
            otherYear.dateOfBirth = .yearOnly(year + 1)
            #expect(try await client.verify(otherYear) == false)

            var unknownId = exact
            unknownId.idNumber = "999999999999"
            #expect(try await client.verify(unknownId) == false)
        }
    }

    @Test("lookup returns the full record with codes mapped to words")
    func lookupFullRecord() async throws {
        try await Self.withSimulator { simulator, client, _ async throws in
            for index in [0, 1, 2, 17, 2999] {
                let citizen = simulator.population.citizen(at: index)
                let found = try await client.lookup(Self.query(for: citizen))
                #expect(found == citizen, "citizen \(index)")
            }
        }
    }

    @Test("records in both address forms come back as the simulator holds them: a district only where one is")
    func lookupBothAddressForms() async throws {
        try await Self.withSimulator { simulator, client, _ async throws in
            let twoLevel = try #require(Self.firstCitizen(in: simulator) { $0.permanentAddress?.districtCode == nil })
            let threeLevel = try #require(
                Self.firstCitizen(in: simulator) { $0.permanentAddress?.districtCode != nil },
                "the population should still hold records with districts"
            )
            for citizen in [twoLevel, threeLevel] {
                let found = try #require(try await client.lookup(Self.query(for: citizen)))
                #expect(found == citizen)
                #expect(found.permanentAddress?.wardCode != nil && found.permanentAddress?.provinceCode != nil)
            }
            #expect(try await client.lookup(Self.query(for: twoLevel))?.permanentAddress?.districtCode == nil)
            #expect(try await client.lookup(Self.query(for: threeLevel))?.permanentAddress?.districtCode != nil)
        }
    }

    @Test("a record holding only the year of birth matches on the year")
    func yearOnlyRecord() async throws {
        try await Self.withSimulator { simulator, client, _ async throws in
            let citizen = try #require(
                Self.firstCitizen(in: simulator) { if case .yearOnly = $0.dateOfBirth { true } else { false } },
                "the population should hold year-only records"
            )
            #expect(try await client.lookup(Self.query(for: citizen)) == citizen)
            var fullDate = Self.query(for: citizen)
            fullDate.dateOfBirth = .full(year: citizen.dateOfBirth.year, month: 6, day: 15)
            #expect(try await client.verify(fullDate) == true)
        }
    }

    @Test("lookup by the old 9-digit CMND finds the 12-digit CCCD")
    func lookupByCMND() async throws {
        try await Self.withSimulator { simulator, client, _ async throws in
            let citizen = try #require(Self.firstCitizen(in: simulator) { $0.legacyIdNumber != nil })
            var query = Self.query(for: citizen)
            query.idNumber = try #require(citizen.legacyIdNumber)
            let found = try await client.lookup(query)
            #expect(found?.idNumber == citizen.idNumber)
            #expect(found == citizen)
        }
    }

    @Test("no match is nil, not an error")
    func notFound() async throws {
        try await Self.withSimulator { simulator, client, _ async throws in
            var query = Self.query(for: simulator.population.citizen(at: 5))
            query.fullName = "KHÔNG CÓ AI"
            #expect(try await client.lookup(query) == nil)
        }
    }

    @Test("names full of XML markup travel intact and match nothing")
    func xmlSpecialCharacters() async throws {
        try await Self.withSimulator { simulator, client, _ async throws in
            var query = Self.query(for: simulator.population.citizen(at: 3))
            query.requestId = "<r&1>"
            query.fullName = #"</HoVaTen><HoVaTen>X</HoVaTen> & 'O"BRIEN' ]]>"#
            #expect(try await client.verify(query) == false)
            #expect(simulator.stats().byStatus == ["200": 1], "the simulator read the request")
        }
    }

    // MARK: Failures

    @Test("beyond the quota: 429 with Retry-After, retriable")
    func rateLimited() async throws {
        try await Self.withSimulator(
            SimulatorConfiguration(citizens: Self.citizens, quota: 2),
            arrivalClock: Self.frozenArrivals
        ) { simulator, client, _ async throws in
            let query = Self.query(for: simulator.population.citizen(at: 0))
            #expect(try await client.verify(query) == true)
            #expect(try await client.verify(query) == true)
            let error = await #expect(throws: PopulationDBError.self) { try await client.verify(query) }
            #expect(error?.code == .rateLimited)
            #expect(error?.httpStatus == 429)
            #expect(error?.retryAfter == .seconds(1))
            #expect(error?.isRetriable == true)
            #expect(simulator.stats().byStatus["429"] == 1)
        }
    }

    @Test(
        "Retry-After is read as seconds and capped at maxRetryAfter",
        arguments: [
            ("3", Duration?.some(.seconds(3))), (" 1.5 ", .milliseconds(1500)), ("60", .seconds(60)),
            ("3600", .seconds(60)), ("1e300", .seconds(60)), ("-1", nil), ("soon", nil), ("inf", nil),
        ]
    )
    func retryAfterParsing(header: String, expected: Duration?) {
        #expect(PopulationDBClient.parseRetryAfter(header, atMost: .seconds(60)) == expected)
    }

    @Test("a Retry-After beyond maxRetryAfter reaches the gateway capped")
    func retryAfterCapped() async throws {
        try await Self.withSimulator(
            SimulatorConfiguration(citizens: Self.citizens, quota: 1),
            client: { $0.maxRetryAfter = .milliseconds(300) },
            arrivalClock: Self.frozenArrivals
        ) { simulator, client, _ async throws in
            let query = Self.query(for: simulator.population.citizen(at: 0))
            #expect(try await client.verify(query) == true)
            let error = await #expect(throws: PopulationDBError.self) { try await client.verify(query) }
            #expect(error?.code == .rateLimited)
            #expect(error?.retryAfter == .milliseconds(300), "the simulator asks for 1 s")
        }
    }

    @Test("HTTP 500 with a Server fault and 503 outages are retriable")
    func serverErrors() async throws {
        try await Self.withSimulator(SimulatorConfiguration(citizens: Self.citizens, errorRate: 1)) {
            simulator,
            client,
            _ async throws in
            let query = Self.query(for: simulator.population.citizen(at: 0))
            let error = await #expect(throws: PopulationDBError.self) { try await client.lookup(query) }
            #expect(error?.code == .serverError)
            #expect(error?.httpStatus == 500)
            #expect(error?.faultCode == "Server.InternalError")
            #expect(error?.isRetriable == true)
        }
        try await Self.withSimulator { simulator, client, base async throws in
            try await Self.postFaults(#"{"outage": true}"#, to: base)
            let error = await #expect(throws: PopulationDBError.self) {
                try await client.verify(Self.query(for: simulator.population.citizen(at: 0)))
            }
            #expect(error?.code == .serverError)
            #expect(error?.httpStatus == 503)
            #expect(error?.isRetriable == true)
        }
    }

    @Test("no answer within the request timeout is a retriable timeout")
    func timeout() async throws {
        let simulatorConfiguration = SimulatorConfiguration(citizens: Self.citizens, timeoutRate: 1)
        try await Self.withSimulator(simulatorConfiguration, client: { $0.requestTimeout = .milliseconds(300) }) {
            simulator,
            client,
            _ async throws in
            let started = ContinuousClock.now
            let error = await #expect(throws: PopulationDBError.self) {
                try await client.verify(Self.query(for: simulator.population.citizen(at: 0)))
            }
            #expect(error?.code == .timedOut)
            #expect(error?.isRetriable == true)
            // Far below the simulator's 120 s hang limit: the client gave up on its own timeout.
            #expect(ContinuousClock.now - started < .seconds(20), "the client gave up on its own timeout")
        }
    }

    @Test("wrong credentials: 401, retried once with a fresh signature, then permanent")
    func badCredentials() async throws {
        try await Self.withSimulator(client: { $0.secret = Secret("wrong") }) { simulator, client, _ async throws in
            let error = await #expect(throws: PopulationDBError.self) {
                try await client.verify(Self.query(for: simulator.population.citizen(at: 0)))
            }
            #expect(error?.code == .unauthorized)
            #expect(error?.httpStatus == 401)
            #expect(error?.isRetriable == false)
            #expect(simulator.stats().byStatus == ["401": 2])
        }
    }

    @Test("timestamps more than 5 minutes off are refused")
    func staleTimestamp() async throws {
        let tenMinutesAgo: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) - 600_000 }
        try await Self.withSimulator(clock: tenMinutesAgo) { simulator, client, _ async throws in
            let error = await #expect(throws: PopulationDBError.self) {
                try await client.verify(Self.query(for: simulator.population.citizen(at: 0)))
            }
            #expect(error?.code == .unauthorized)
        }
        let fourMinutesAgo: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) - 240_000 }
        try await Self.withSimulator(clock: fourMinutesAgo) { simulator, client, _ async throws in
            #expect(try await client.verify(Self.query(for: simulator.population.citizen(at: 0))) == true)
        }
    }

    @Test("nothing listening is a retriable connection failure")
    func connectionRefused() async throws {
        let simulator = PopulationSimulator(configuration: SimulatorConfiguration(citizens: 10), logger: Self.logger)
        let port = try await simulator.start()
        await simulator.stop()
        var configuration = PopulationDBConfiguration()
        configuration.secret = Secret("x")
        let client = try PopulationDBClient(
            configuration: configuration,
            url: "http://127.0.0.1:\(port)/dancu/ws",
            logger: Self.logger
        )
        let error = await #expect(throws: PopulationDBError.self) {
            try await client.verify(
                PopulationQuery(requestId: "r", idNumber: "001099000001", fullName: "A", dateOfBirth: .yearOnly(1990))
            )
        }
        #expect(error?.code == .connectionFailed)
        #expect(error?.isRetriable == true)
        try await client.shutdown()
    }

    @Test("an ID that is neither 12 nor 9 digits is refused before sending")
    func invalidQuery() async throws {
        try await Self.withSimulator { simulator, client, _ async throws in
            for idNumber in ["12345", "0010990000011", "00109900000A"] {
                let error = await #expect(throws: PopulationDBError.self) {
                    try await client.verify(
                        PopulationQuery(requestId: "r", idNumber: idNumber, fullName: "A", dateOfBirth: .yearOnly(1990))
                    )
                }
                #expect(error?.code == .invalidQuery)
                #expect(error?.description.contains(idNumber) == false, "no personal data in errors")
            }
            #expect(simulator.stats().totalRequests == 0)
        }
    }

    @Test("a header the HTTP client refuses is the request's fault, not the database's, and is never sent")
    func invalidHeader() async throws {
        try await Self.withSimulator { simulator, client, _ async throws in
            var query = Self.query(for: simulator.population.citizen(at: 0))
            query.traceparent = "00-x\u{01}y-zz"
            let error = await #expect(throws: PopulationDBError.self) { try await client.verify(query) }
            #expect(error?.code == .invalidQuery)
            #expect(error?.isRetriable == false)
            #expect(error?.databaseHealth == .unknown)
            #expect(simulator.stats().totalRequests == 0)
            query.traceparent = nil
            #expect(try await client.verify(query) == true, "the next request goes through")
        }
    }

    @Test(
        "the client's refusals of a request's own content are classified as such",
        arguments: [
            HTTPClientError.invalidHeaderFieldValues(["00-x\u{01}y"]), .invalidHeaderFieldNames(["bad name"]),
            .bodyLengthMismatch,
        ]
    )
    func requestProblems(error: HTTPClientError) {
        let classified = PopulationDBClient.classify(transportError: error, requestId: "r")
        #expect(classified.code == .invalidQuery)
        #expect(classified.databaseHealth == .unknown)
    }

    @Test("unreadable TLS files fail construction with the key named")
    func badTLSFiles() {
        var configuration = PopulationDBConfiguration()
        configuration.tls.caFile = "/nonexistent/ca.pem"
        let error = #expect(throws: PopulationDBError.self) {
            try PopulationDBClient(
                configuration: configuration,
                url: "https://db.example/dancu/ws",
                logger: Self.logger
            )
        }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.description.contains("populationDb.tls.caFile") == true)
    }

    @Test("requests carry the signature, the SOAP action and the trace context")
    func requestHeaders() async throws {
        var configuration = PopulationDBConfiguration()
        configuration.username = "portal-89"
        configuration.secret = Secret("s")
        let url = "https://db.example/dancu/ws"
        let client = try PopulationDBClient(configuration: configuration, url: url, logger: Self.logger) {
            1_700_000_000_000
        }
        let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        let request = client.makeRequest("<x/>", .lookup, traceparent: traceparent)
        #expect(request.headers["traceparent"] == [traceparent])
        #expect(request.headers["Timestamp"] == ["1700000000000"])
        #expect(request.headers["SOAPAction"] == [#""http://dancuquocgia.bca/TraCuuThongTinCongDan""#])
        let expected = RequestSignature.authorization(
            url: url,
            username: "portal-89",
            timestamp: "1700000000000",
            secret: "s"
        )
        #expect(request.headers["Authorization"] == [expected])
        #expect(client.makeRequest("<x/>", .verify, traceparent: nil).headers["traceparent"].isEmpty)
        try await client.shutdown()
    }

    @Test("concurrent calls share a pool of at most maxInFlight connections")
    func boundedPool() async throws {
        let simulatorConfiguration = SimulatorConfiguration(citizens: Self.citizens, latencyMs: 5)
        // Generous timeouts: calls queue for the four connections, and on a CI machine busy with other tests
        // one waited out a 30 s deadline once (a connection attempt retried after a backoff, most likely).
        try await Self.withSimulator(
            simulatorConfiguration,
            client: {
                $0.quota.maxInFlight = 4
                $0.connectTimeout = .seconds(30)
                $0.requestTimeout = .seconds(90)
            }
        ) {
            simulator,
            client,
            _ async throws in
            let results = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<64 {
                    let query = Self.query(for: simulator.population.citizen(at: index), requestId: "c\(index)")
                    group.addTask { try await client.verify(query) }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(results.count == 64 && results.allSatisfy { $0 })
            let stats = simulator.stats()
            #expect(stats.totalRequests == 64)
            #expect((1...4).contains(stats.maxConcurrency), "\(stats.maxConcurrency)")
        }
    }

    // MARK: Control and measurement endpoints

    @Test("stats report totals, statuses, clients and the busiest second")
    func statsEndpoint() async throws {
        try await Self.withSimulator { simulator, client, base async throws in
            let query = Self.query(for: simulator.population.citizen(at: 0))
            for _ in 0..<5 { _ = try await client.verify(query) }
            _ = try await client.lookup(query)
            let stats = try JSONDecoder().decode(
                SimulatorStats.self,
                from: try await Self.get("_sim/stats", from: base)
            )
            #expect(stats.totalRequests == 6)
            #expect(stats.byOperation == ["XacThucThongTinCongDan": 5, "TraCuuThongTinCongDan": 1])
            #expect(stats.clients["dancu-gateway"]?.totalRequests == 6)
            #expect((1...6).contains(stats.maxRps1s))
            #expect(stats.maxConcurrency >= 1)
        }
    }

    @Test("faults can be read and changed at runtime; bad changes are refused")
    func faultsEndpoint() async throws {
        try await Self.withSimulator(arrivalClock: Self.frozenArrivals) { simulator, client, base async throws in
            let changed = try JSONDecoder().decode(
                SimulatorFaults.self,
                from: try await Self.postFaults(#"{"quota": 1, "errorRate": 0}"#, to: base)
            )
            #expect(changed.quota == 1 && changed.burst == 1)
            let read = try JSONDecoder().decode(
                SimulatorFaults.self,
                from: try await Self.get("_sim/faults", from: base)
            )
            #expect(read == changed)
            let query = Self.query(for: simulator.population.citizen(at: 0))
            _ = try await client.verify(query)
            await #expect(throws: PopulationDBError.self) { try await client.verify(query) }
            await #expect(throws: HTTPStatusError.self) { try await Self.postFaults(#"{"errorRate": 2}"#, to: base) }
        }
    }

    @Test("faults set in-process take effect; impossible ones are refused")
    func faultsInProcess() async throws {
        try await Self.withSimulator { simulator, client, _ async throws in
            #expect(throws: SimulatorError.self) { try simulator.setFaults(SimulatorFaults(errorRate: -1)) }
            try simulator.setFaults(SimulatorFaults(outage: true))
            let error = await #expect(throws: PopulationDBError.self) {
                try await client.verify(Self.query(for: simulator.population.citizen(at: 0)))
            }
            #expect(error?.httpStatus == 503)
        }
    }

    @Test("samples are full records, repeatable by seed, that verify")
    func sampleEndpoint() async throws {
        try await Self.withSimulator { _, client, base async throws in
            let first = try JSONDecoder().decode(
                [CitizenSample].self,
                from: try await Self.get("_sim/citizens/sample?n=4&seed=7", from: base)
            )
            let again = try JSONDecoder().decode(
                [CitizenSample].self,
                from: try await Self.get("_sim/citizens/sample?n=4&seed=7", from: base)
            )
            let other = try JSONDecoder().decode(
                [CitizenSample].self,
                from: try await Self.get("_sim/citizens/sample?n=4&seed=8", from: base)
            )
            #expect(first.count == 4 && Set(first.map(\.idNumber)).count == 4)
            #expect(first == again)
            #expect(first != other)
            for sample in first {
                let parts = sample.dateOfBirth.split(separator: "/").compactMap { Int($0) }
                let dateOfBirth: BirthDate =
                    parts.count == 3
                    ? .full(year: parts[2], month: parts[1], day: parts[0]) : .yearOnly(parts.first ?? 0)
                let query = PopulationQuery(
                    requestId: "s",
                    idNumber: sample.idNumber,
                    fullName: sample.fullName,
                    dateOfBirth: dateOfBirth
                )
                let record = try await client.lookup(query)
                #expect(record.map(CitizenSample.init) == sample)
            }
        }
    }

    // MARK: Plain HTTP helpers

    struct HTTPStatusError: Error {
        var status: Int
    }

    static func get(_ path: String, from base: URL) async throws -> Data {
        try await send(HTTPClientRequest(url: base.absoluteString + "/" + path))
    }

    @discardableResult
    static func postFaults(_ json: String, to base: URL) async throws -> Data {
        var request = HTTPClientRequest(url: base.absoluteString + "/_sim/faults")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: json))
        return try await send(request)
    }

    private static func send(_ request: HTTPClientRequest) async throws -> Data {
        // As generous as the client's own request timeout: CI once ran out a 5 s deadline while other suites built load.
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 16 << 20)
        guard response.status == .ok else { throw HTTPStatusError(status: Int(response.status.code)) }
        return Data(body.readableBytesView)
    }
}
