import DanCuContract
import Foundation
import Kafka
import SyntheticPopulation
import Testing

@testable import TrafficModel

// Part of the serialized LoadRunnerTests: runs on the embedded cluster compete for two shared cores.
extension LoadRunnerTests {
    /// Generate (writing the sent requests), record the request topics, then replay both files
    /// against the same responder: the generated file is checked in full, the recorded one where
    /// validation alone decides, and every replayed request is answered.
    @Test(.timeLimit(.minutes(4)))
    func recordThenReplay() async throws {
        let rules = try Fixture.rules()
        let cluster = try LoadRunnerTests.cluster(rules: rules)
        var profile = LoadRunnerTests.profile
        profile.count = 120
        profile.rate = 400
        let responder = Responder(
            cluster: cluster,
            rules: rules,
            population: SyntheticPopulation(seed: profile.seed, size: profile.citizens),
            sabotage: { _ in nil }
        )
        let responding = try await responder.start()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(uniqueName("dancu-load-"))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let generatedPath = directory.appendingPathComponent("generated.jsonl").path
        let recordedPath = directory.appendingPathComponent("recorded.jsonl").path

        let outcome = await capture { () async throws -> (LoadReport, LoadReport, [ReplayEntry], [ReplayEntry]) in
            let runner = LoadRunner(bootstrapServers: cluster.bootstrapServers, rules: rules, logger: Fixture.logger)
            let writer = try ReplayWriter(path: generatedPath)
            let generated = try await runner.generate(profile, runId: "ldorig", recordTo: writer)
            try writer.close()
            #expect(generated.correct == 120)

            let recorder = TrafficRecorder(
                bootstrapServers: cluster.bootstrapServers,
                rules: rules,
                logger: Fixture.logger
            )
            let recordWriter = try ReplayWriter(path: recordedPath)
            let written = try await recorder.record(
                duration: .seconds(60),
                limit: 120,
                fromBeginning: true,
                to: recordWriter
            )
            try recordWriter.close()
            #expect(written == 120)

            let generatedEntries = try ReplayFile.read(path: generatedPath)
            let recordedEntries = try ReplayFile.read(path: recordedPath)
            let replayedGenerated = try await runner.replay(
                generatedEntries,
                speed: 4,
                drainTimeout: .seconds(30),
                runId: "ldgen"
            )
            let replayedRecorded = try await runner.replay(
                recordedEntries,
                speed: 4,
                drainTimeout: .seconds(30),
                runId: "ldrec"
            )
            return (replayedGenerated, replayedRecorded, generatedEntries, recordedEntries)
        }
        responding.cancel()
        try await responding.value
        let (replayedGenerated, replayedRecorded, generatedEntries, recordedEntries) = try outcome.get()

        #expect(generatedEntries.count == 120)
        #expect(Set(recordedEntries.compactMap(\.value)) == Set(generatedEntries.compactMap(\.value)))
        // The recorder knows exactly what validation alone decides, and nothing more.
        let gatewayDecided = generatedEntries.filter { $0.expectation?.source == .gateway }.count
        #expect(recordedEntries.filter { $0.expectation != nil }.count == gatewayDecided)

        #expect(replayedGenerated.correct == 120 && replayedGenerated.passed, "\(replayedGenerated.incorrectExamples)")
        #expect(replayedRecorded.outcomes == 120 && replayedRecorded.lost == 0 && replayedRecorded.incorrect == 0)
        #expect(replayedRecorded.correct == gatewayDecided)
        #expect(replayedRecorded.unchecked == 120 - gatewayDecided)
    }
}
