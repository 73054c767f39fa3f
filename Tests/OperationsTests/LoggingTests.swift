import Foundation
import LogKeys
import Logging
import Testing

@testable import Operations

@Suite("Structured logs")
struct LoggingTests {
    private static let fixedTime = Date(timeIntervalSince1970: 1_795_000_000.25)

    private func logger(_ capture: LogCapture, format: LogConfiguration.Format, level: Logger.Level = .info) -> Logger {
        var logger = Logger(label: "dancu.test") { label in
            StructuredLogHandler(
                label: label,
                format: format,
                level: level,
                output: capture.output,
                now: { Self.fixedTime }
            )
        }
        logger[metadataKey: LogKey.portal] = "an-giang"
        return logger
    }

    private func object(_ line: String) throws -> [String: Any] {
        let parsed = try JSONSerialization.jsonObject(with: Data(line.utf8))
        return try #require(parsed as? [String: Any])
    }

    @Test("a JSON line is one object with time, level, label, message and metadata")
    func jsonShape() throws {
        let capture = LogCapture()
        let logger = logger(capture, format: .json)
        logger.info("outcome published", metadata: [LogKey.requestId: "r-42", "attempts": "\(2)"])

        let lines = capture.lines
        #expect(lines.count == 1)
        let line = try #require(lines.first)
        #expect(line.hasSuffix("\n") && line.dropLast().contains("\n") == false)
        let json = try object(line)
        #expect(json["time"] as? String == "2026-11-18T11:06:40.250Z")
        #expect(json["level"] as? String == "info")
        #expect(json["label"] as? String == "dancu.test")
        #expect(json["message"] as? String == "outcome published")
        let metadata = try #require(json["metadata"] as? [String: Any])
        #expect(metadata["requestId"] as? String == "r-42")
        #expect(metadata["portal"] as? String == "an-giang")
        #expect(metadata["attempts"] as? String == "2")
    }

    @Test(
        "JSON strings survive quotes, backslashes, newlines, control characters and Vietnamese text",
        arguments: ["say \"hi\"", "C:\\path", "two\nlines\tand\r", "bell\u{07}null\u{0}", "Trần Quang Khương ✓"]
    )
    func jsonEscaping(message: String) throws {
        let capture = LogCapture()
        logger(capture, format: .json).warning("\(message)", metadata: ["nested": ["list": [.string(message)]]])
        let json = try object(try #require(capture.lines.first))
        #expect(json["message"] as? String == message)
        let nested = try #require((json["metadata"] as? [String: Any])?["nested"] as? [String: Any])
        #expect(nested["list"] as? [String] == [message])
    }

    @Test("a human line has time, level, label, message and sorted key=value metadata")
    func humanLine() throws {
        let capture = LogCapture()
        logger(capture, format: .human).error("publish failed", metadata: [LogKey.requestId: "r-7"])
        #expect(
            capture.lines == [
                "2026-11-18T11:06:40.250Z error dancu.test: publish failed portal=an-giang requestId=r-7\n"
            ]
        )
    }

    @Test(
        "ID-shaped numbers are masked wherever they appear; other numbers are left alone",
        arguments: [
            ("citizen 001203004587 not found", "citizen 0012******87 not found"),
            ("cmnd=212345678.", "cmnd=2123***78."),
            ("offset 1234567890123 and 42", "offset 1234567890123 and 42"),
            ("ten digits 0123456789", "ten digits 0123456789"),
            ("no numbers", "no numbers"),
        ]
    )
    func idMask(text: String, expected: String) throws {
        for format in LogConfiguration.Format.allCases {
            let capture = LogCapture()
            logger(capture, format: format).notice("\(text)", metadata: ["detail": "\(text)"])
            let line = try #require(capture.lines.first)
            #expect(line.contains(expected), "\(format): \(line)")
            if expected != text {
                #expect(!line.contains(text), "\(format): \(line)")
            }
        }
    }

    @Test("the handler's level filters lower levels", arguments: LogConfiguration.Format.allCases)
    func levels(format: LogConfiguration.Format) {
        let capture = LogCapture()
        let logger = logger(capture, format: format, level: .notice)
        logger.debug("debug")
        logger.info("info")
        logger.notice("notice")
        logger.critical("critical")
        #expect(capture.lines.count == 2)
        #expect(capture.lines.allSatisfy { $0.contains("notice") || $0.contains("critical") })
    }

    @Test("an error passed to the logger becomes error metadata")
    func errorMetadata() throws {
        struct ProbeError: Error, CustomStringConvertible {
            var description: String { "timed out after 3s" }
        }
        let capture = LogCapture()
        logger(capture, format: .json).log(level: .warning, "upstream call failed", error: ProbeError())
        let json = try object(try #require(capture.lines.first))
        #expect((json["metadata"] as? [String: Any])?["error"] as? String == "timed out after 3s")
    }

    @Test("a request's logger carries its id and portal on every line")
    func requestLogger() throws {
        let capture = LogCapture()
        let logger = capture.logger(label: "dancu.test").forRequest(id: "r-9", portal: "hoa-binh")
        logger.debug("queued")
        logger.info("published")
        #expect(capture.lines.count == 2)
        for line in capture.lines {
            let metadata = try #require(try object(line)["metadata"] as? [String: Any])
            #expect(metadata["requestId"] as? String == "r-9")
            #expect(metadata["portal"] as? String == "hoa-binh")
        }
    }
}
