import DanCuContract
import Foundation
import Gateway
import Kafka
import Operations
import PopulationSimulator
import Testing

@Suite(.timeLimit(.minutes(5))) struct PipelineTests {
    /// Every request type and status, plus unanswerable messages: exactly one outcome each, on the asking
    /// portal's topic only; dead letters carry their reason and origin; the gateway keeps serving.
    @Test func everyKindOfRequestGetsExactlyOneCorrectOutcomeOnItsPortalsTopic() async throws {
        let bed = try await GatewayTestBed()
        let someone = bed.population.citizen(at: 17)
        let other = bed.population.citizen(at: 4_242)
        let holder = try #require((0..<1000).lazy.map(bed.population.citizen(at:)).first { $0.legacyIdNumber != nil })
        let unknownId = bed.population.unassignedIdNumber(salt: 5)
        // The century digit says 1900s, the date says 2005: no citizen can match.
        let contradiction = "0010" + "05" + "123456"
        var requests: [(TestRequest, OutcomeStatus?)] = [
            (
                .verify(
                    "phutho",
                    "v-ok",
                    name: someone.fullName.lowercased(),
                    idNumber: someone.idNumber,
                    dateOfBirth: someone.dateOfBirth.displayText,
                    channel: "counter"
                ), .verified
            ),
            (
                .verify(
                    "haiphong",
                    "v-wrong-name",
                    name: other.fullName + " A",
                    idNumber: other.idNumber,
                    dateOfBirth: other.dateOfBirth.displayText
                ), .notVerified
            ),
            (
                .verify(
                    "phutho",
                    "v-unknown",
                    name: someone.fullName,
                    idNumber: unknownId,
                    dateOfBirth: someone.dateOfBirth.displayText
                ), .notVerified
            ),
            (
                .verify(
                    "phutho",
                    "v-contradiction",
                    name: "TRẦN VĂN AN",
                    idNumber: contradiction,
                    dateOfBirth: "01/01/2005"
                ), .notVerified
            ),
            (.lookup("angiang", "l-ok", citizen: someone, procedure: "1.000894"), .found),
            (
                .lookup("angiang", "l-forbidden", citizen: someone, procedure: "1.000656", fields: ["religion"]),
                .forbidden
            ),
            (
                .lookup(
                    "haiphong",
                    "l-missing",
                    citizen: CitizenRecord(
                        fullName: someone.fullName,
                        idNumber: unknownId,
                        dateOfBirth: someone.dateOfBirth
                    ),
                    procedure: "1.000894"
                ), .notFound
            ),
            (.link("angiang", "k-ok", citizen: holder, legacyIdNumber: holder.legacyIdNumber ?? ""), .found),
            (.link("angiang", "k-other-cmnd", citizen: holder, legacyIdNumber: "123456789"), .notFound),
            (
                .link("haiphong", "k-not-allowed", citizen: holder, legacyIdNumber: holder.legacyIdNumber ?? ""),
                .forbidden
            ),
            (
                .verify(
                    "phutho",
                    "v-bad-date",
                    name: someone.fullName,
                    idNumber: someone.idNumber,
                    dateOfBirth: "31/02/1990"
                ), .invalidRequest
            ),
            (
                TestRequest(
                    portal: "haiphong",
                    requestId: "v-late",
                    json: [
                        "type": "verify", "deadline": "2020-01-01T00:00:00Z",
                        "citizen": [
                            "fullName": someone.fullName, "idNumber": someone.idNumber,
                            "dateOfBirth": someone.dateOfBirth.displayText,
                        ],
                    ]
                ), .expired
            ),
        ]
        requests[0].0.headers = [
            KafkaHeader(name: "traceparent", string: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        ]
        let unanswerable: [TestRequest] = [
            TestRequest(portal: "angiang", requestId: "bin-1", json: [:], rawBytes: [0xff, 0xfe, 0x00, 0x81]),
            TestRequest(portal: "angiang", requestId: "text-1", json: [:], rawBytes: Array("not json".utf8)),
            TestRequest(
                portal: "phutho",
                requestId: "huge-1",
                json: [:],
                rawBytes: Array(repeating: UInt8(ascii: "a"), count: 1 << 20)
            ),
            TestRequest(portal: "phutho", requestId: "no-id", json: [:], rawBytes: Array(#"{"type":"verify"}"#.utf8)),
            TestRequest(portal: "quangninh", requestId: "unknown-portal", json: ["type": "verify"]),
        ]
        try bed.cluster.createTopic("dancu.requests.quangninh", partitions: 1)

        let collector = try bed.outcomeCollector()
        let producer = try bed.producer()
        let toPublish = unanswerable + requests.map(\.0)
        let expectedOutcomes = requests.count + 1
        try await bed.withGateway {
            try await bed.publish(toPublish, with: producer)
            // Served after the bad messages: the gateway is still answering.
            try await bed.publish(
                [
                    .verify(
                        "phutho",
                        "v-after",
                        name: someone.fullName,
                        idNumber: someone.idNumber,
                        dateOfBirth: someone.dateOfBirth.displayText
                    )
                ],
                with: producer
            )
            try await collector.collect {
                $0.outcomes.count >= expectedOutcomes && $0.deadLetters.count >= unanswerable.count
            }
        }
        let collected = try await collector.collect { _ in true }
        await collector.close()

        for (request, status) in requests {
            let answers = collected.outcomes(for: request.requestId)
            #expect(answers.count == 1, "\(request.requestId): \(answers.count) outcomes")
            guard let answer = answers.first else { continue }
            #expect(answer.outcome.status == status, "\(request.requestId)")
            #expect(answer.topic == "dancu.outcomes.\(request.portal)", "\(request.requestId)")
            #expect(answer.outcome.portal == request.portal)
            #expect(answer.key == request.key)
            #expect(answer.headers.first(named: "dancu-request-id")?.stringValue == request.requestId)
        }
        #expect(collected.outcomes(for: "v-after").first?.outcome.status == .verified)
        let traced = collected.outcomes(for: "v-ok").first
        #expect(
            traced?.headers.first(named: "traceparent")?.stringValue
                == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        )
        #expect(traced?.outcome.message.hasPrefix("[CSDLQGDC] Xác thực với CSDLQG về Dân cư thành công.") == true)

        // A found lookup releases exactly the procedure's fields, with the record's values.
        let found = try #require(collected.outcomes(for: "l-ok").first?.outcome.citizen)
        let marriage = try #require(bed.rules.procedure(forCode: "1.000894"))
        #expect(Set(found.values.keys) == Set(marriage.fields))
        #expect(found == ReleasedCitizen(someone, releasing: marriage.fields))
        #expect(
            collected.outcomes(for: "k-ok").first?.outcome.citizen?[.legacyIdNumber]
                == .text(holder.legacyIdNumber ?? "")
        )
        #expect(collected.outcomes(for: "v-contradiction").first?.outcome.source == .gateway)
        #expect(collected.outcomes(for: "v-late").first?.outcome.attempts == 0)

        // Dead letters: the original bytes, and why and where from.
        #expect(collected.deadLetters.count == unanswerable.count)
        for letter in collected.deadLetters {
            #expect(letter.headers.first(named: "dancu-error")?.stringValue?.isEmpty == false)
            #expect(
                letter.headers.first(named: "dancu-source-topic")?.stringValue?.hasPrefix("dancu.requests.") == true
            )
            #expect(letter.headers.first(named: "dancu-source-partition") != nil)
            #expect(letter.headers.first(named: "dancu-source-offset") != nil)
        }
        let sources = Set(
            collected.deadLetters.compactMap { $0.headers.first(named: "dancu-source-topic")?.stringValue }
        )
        #expect(sources.contains("dancu.requests.quangninh"))
        #expect(collected.deadLetters.contains { $0.value == [0xff, 0xfe, 0x00, 0x81] })
        // No outcome was ever written to a topic other than the asking portal's.
        #expect(collected.outcomes.allSatisfy { $0.topic == "dancu.outcomes.\($0.outcome.portal)" })
        await producer.close(flushTimeout: .seconds(5))
        await bed.simulator.stop()
    }

    /// Requests answered from what the gateway holds (the cache, an earlier copy) go out together without
    /// the population database, each with its own correct outcome; each fresh answer has its audit record.
    @Test func cacheHitsAndRepeatedRequestsAreAnsweredWithoutTheDatabase() async throws {
        let bed = try await GatewayTestBed()
        let citizen = bed.population.citizen(at: 321)
        let first = TestRequest.lookup("angiang", "first", citizen: citizen, procedure: "1.000894")
        let hits = (0..<10).flatMap { index in
            [
                TestRequest.verify(
                    ["phutho", "haiphong", "angiang"][index % 3],
                    "hit-v-\(index)",
                    name: citizen.fullName.lowercased(),
                    idNumber: citizen.idNumber,
                    dateOfBirth: citizen.dateOfBirth.displayText
                ),
                TestRequest.lookup("angiang", "hit-l-\(index)", citizen: citizen, procedure: "1.000894"),
            ]
        }
        let copies = Array(repeating: first, count: 5)
        let collector = try bed.outcomeCollector()
        let producer = try bed.producer()
        try await bed.withGateway {
            try await bed.publish([first], with: producer)
            try await collector.collect { !$0.outcomes(for: "first").isEmpty }
            try await bed.publish(hits + copies, with: producer)
            try await collector.collect { $0.outcomes.count >= 1 + hits.count + copies.count }
        }
        let collected = collector.snapshot
        await collector.close()

        #expect(bed.simulator.stats().totalRequests == 1)
        let firstAnswers = collected.outcomes(for: "first")
        #expect(firstAnswers.count == 1 + copies.count)
        #expect(firstAnswers.first?.outcome.source == .populationDb)
        #expect(firstAnswers.allSatisfy { $0.outcome == firstAnswers[0].outcome }, "copies get the first outcome again")
        let marriage = try #require(bed.rules.procedure(forCode: "1.000894"))
        for request in hits {
            let answers = collected.outcomes(for: request.requestId)
            #expect(answers.count == 1, "\(request.requestId)")
            guard let answer = answers.first else { continue }
            #expect(answer.topic == "dancu.outcomes.\(request.portal)")
            #expect(answer.outcome.source == .cache && answer.outcome.attempts == 0)
            if request.requestId.hasPrefix("hit-v") {
                #expect(answer.outcome.status == .verified && answer.outcome.citizen == nil)
            } else {
                #expect(answer.outcome.status == .found)
                #expect(answer.outcome.citizen == ReleasedCitizen(citizen, releasing: marriage.fields))
            }
        }
        let audited = try await bed.auditRecords().map(\.requestId)
        #expect(audited.sorted() == (["first"] + hits.map(\.requestId)).sorted())
        await producer.close(flushTimeout: .seconds(5))
        await bed.simulator.stop()
    }

    @Test func aThirdOfUpstreamCallsFailingStillAnswersEveryRequestCorrectly() async throws {
        let bed = try await GatewayTestBed()
        var faults = bed.simulator.faults
        faults.errorRate = 0.3
        try bed.simulator.setFaults(faults)
        let citizens = (0..<60).map { bed.population.citizen(at: $0 * 101) }
        let requests = citizens.enumerated().map { index, citizen in
            TestRequest.verify(
                ["angiang", "haiphong", "phutho"][index % 3],
                "flaky-\(index)",
                name: citizen.fullName,
                idNumber: citizen.idNumber,
                dateOfBirth: citizen.dateOfBirth.displayText
            )
        }
        let collector = try bed.outcomeCollector()
        let producer = try bed.producer()
        try await bed.withGateway {
            try await bed.publish(requests, with: producer)
            try await collector.collect { $0.answeredRequestIds.count >= requests.count }
        }
        let collected = collector.snapshot
        await collector.close()
        #expect(collected.answeredRequestIds == Set(requests.map(\.requestId)))
        #expect(collected.outcomes.allSatisfy { $0.outcome.status == .verified })
        // Some requests needed more than one call: the retries are visible to the portal.
        #expect(collected.outcomes.contains { $0.outcome.attempts > 1 })
        let stats = bed.simulator.stats()
        #expect(stats.byStatus["500", default: 0] > 0)
        await producer.close(flushTimeout: .seconds(5))
        await bed.simulator.stop()
    }

    @Test func anOutageLongerThanTheDeadlinesExpiresRequestsWithoutSpendingCallsOnExpiredOnes() async throws {
        let bed = try await GatewayTestBed()
        var faults = bed.simulator.faults
        faults.outage = true
        try bed.simulator.setFaults(faults)
        let citizen = bed.population.citizen(at: 3)
        // Their deadline is set when they are published, so that waiting for the first batch cannot expire them.
        @Sendable func inTime(deadline: String) -> [TestRequest] {
            (0..<10).map { index in
                TestRequest(
                    portal: "phutho",
                    requestId: "outage-\(index)",
                    json: [
                        "type": "verify", "channel": "counter", "deadline": deadline,
                        "citizen": [
                            "fullName": citizen.fullName, "idNumber": citizen.idNumber,
                            "dateOfBirth": citizen.dateOfBirth.displayText,
                        ],
                    ]
                )
            }
        }
        let alreadyExpired = (0..<10).map { index in
            TestRequest(
                portal: "haiphong",
                requestId: "stale-\(index)",
                json: [
                    "type": "verify", "deadline": "2021-06-01T00:00:00Z",
                    "citizen": [
                        "fullName": citizen.fullName, "idNumber": citizen.idNumber,
                        "dateOfBirth": citizen.dateOfBirth.displayText,
                    ],
                ]
            )
        }
        let collector = try bed.outcomeCollector()
        let producer = try bed.producer()
        // Retries enough to outlast the deadline, so the deadline is what ends them.
        try await bed.withGateway(["DANCU_PIPELINE_RETRY_ATTEMPTS": "100"]) {
            try await bed.publish(alreadyExpired, with: producer)
            try await collector.collect { $0.answeredRequestIds.count >= alreadyExpired.count }
            let callsBefore = bed.simulator.stats().totalRequests
            #expect(callsBefore == 0, "no upstream call for requests that arrived expired")
            try await bed.publish(inTime(deadline: Timestamp.format(Date().addingTimeInterval(15))), with: producer)
            try await collector.collect { $0.answeredRequestIds.count >= alreadyExpired.count + 10 }
        }
        let collected = collector.snapshot
        await collector.close()
        #expect(collected.answeredRequestIds == Set((inTime(deadline: "") + alreadyExpired).map(\.requestId)))
        #expect(collected.outcomes.allSatisfy { $0.outcome.status == .expired })
        #expect(
            collected.outcomes.filter { $0.outcome.requestId.hasPrefix("stale-") }.allSatisfy {
                $0.outcome.attempts == 0
            }
        )
        // Requests still in time did try (and retry) against the outage until their deadline.
        #expect(collected.outcomes.contains { $0.outcome.requestId.hasPrefix("outage-") && $0.outcome.attempts >= 2 })
        // Every call the simulator saw belongs to a request that was still in time.
        #expect(bed.simulator.stats().byStatus["503", default: 0] == bed.simulator.stats().totalRequests)
        await producer.close(flushTimeout: .seconds(5))
        await bed.simulator.stop()
    }
}
