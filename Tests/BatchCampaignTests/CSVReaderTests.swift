import Foundation
import Testing

@testable import BatchCampaign

struct CSVReaderTests {
    @Test func detectsExcelsEncodingsAndSeparators() {
        #expect(
            CSVFormat.detect([0xFF, 0xFE, 0x48, 0x00]) == CSVFormat(encoding: .utf16LE, separator: UInt8(ascii: "\t"))
        )
        #expect(
            CSVFormat.detect([0xEF, 0xBB, 0xBF] + Array("a;b;c,d\n".utf8))
                == CSVFormat(encoding: .utf8WithBOM, separator: UInt8(ascii: ";"))
        )
        #expect(
            CSVFormat.detect(Array("a,b\n1;2;3;4".utf8)) == CSVFormat(encoding: .utf8, separator: UInt8(ascii: ","))
        )
    }

    @Test func quotedFieldsKeepSeparatorsQuotesAndLineBreaks() {
        var parser = CSVParser(separator: UInt8(ascii: ","))
        let rows = parser.feed(Array("a,\"b,1\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",,x\n".utf8))
        #expect(rows == [["a", "b,1", "say \"hi\""], ["two\nlines", "", "x"]])
        #expect(parser.finish() == nil)
    }

    @Test func aLastLineWithoutLineBreakIsRead() {
        var parser = CSVParser(separator: UInt8(ascii: ";"))
        #expect(parser.feed(Array("a;b\nc;d".utf8)) == [["a", "b"]])
        #expect(parser.finish() == ["c", "d"])
    }

    @Test func utf16SplitAnywhereAcrossChunksDecodesTheSame() {
        let text = "Họ và tên\tH’Hen Niê 𝒜\n"
        let bytes: [UInt8] = [0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        for cut in 1..<bytes.count {
            var stream = UTF8Stream(encoding: .utf16LE)
            let decoded = stream.decode(Array(bytes[..<cut])) + stream.decode(Array(bytes[cut...]))
            #expect(String(decoding: decoded, as: UTF8.self) == text, "cut at \(cut)")
        }
    }
}

struct PacerTests {
    @Test func spreadsMessagesEvenlyOverTime() {
        let pacer = Pacer(rate: 4)
        #expect(pacer.due(0) == .zero)
        #expect(pacer.due(1) == .milliseconds(250))
        #expect(pacer.due(8) == .seconds(2))
        #expect(pacer.allowed(by: .zero) == 1)
        #expect(pacer.allowed(by: .milliseconds(249)) == 1)
        #expect(pacer.allowed(by: .milliseconds(250)) == 2)
        #expect(pacer.allowed(by: .seconds(10)) == 41)
    }
}

struct CampaignProgressTests {
    @Test func lineAndBarShowSentAnsweredStatusesRateAndTimeLeft() {
        var counts = CampaignCounts()
        counts.rows = 100
        counts.refused = 2
        counts.requests = 98
        counts.sent = 60
        counts.answered = ["verified": 40, "not_verified": 10]
        let progress = CampaignProgress(counts: counts, sentThisRun: 60, elapsed: .seconds(12), rate: 5)
        #expect(
            progress.line == "gửi 60/98 · có kết quả 50 (not_verified 10, verified 40) · từ chối 2 · 5.0/s · còn 0:10"
        )
        #expect(progress.bar(width: 10).hasPrefix("[█████░░░░░] 52% "))
        #expect(CampaignProgress.clock(3 * 3600 + 4 * 60) == "3:04:00")
    }
}
