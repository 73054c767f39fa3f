import Foundation
import Testing

@testable import DanCuContract

@Suite struct FullNameTests {
    @Test(arguments: [
        // Precomposed, lower case, extra spaces.
        ("trần  quang khương", "TRẦN QUANG KHƯƠNG"),
        // Decomposed: base letters followed by combining marks (U+0300 grave, U+0302 circumflex...).
        ("tra\u{0302}\u{0300}n quang khu\u{031B}o\u{031B}ng", "TRẦN QUANG KHƯƠNG"),
        ("  đặng   thị\tmỹ  ", "ĐẶNG THỊ MỸ"),
        ("nguyễn văn a", "NGUYỄN VĂN A"),
        ("H'Hen Niê", "H'HEN NIÊ"),
        ("Lê-Nguyễn Ánh", "LÊ-NGUYỄN ÁNH"),
        ("TRẦN QUANG KHƯƠNG", "TRẦN QUANG KHƯƠNG"),
        // As phones and copied text bring them: curly and modifier apostrophes, no-break spaces, line ends,
        // zero-width characters, the eth for Đ.
        ("H\u{2019}Hen Niê", "H'HEN NIÊ"),
        ("H\u{02BC}Hen Niê", "H'HEN NIÊ"),
        ("\u{00A0}Trần\u{00A0}Quang\r\nKhương\u{200B}\n", "TRẦN QUANG KHƯƠNG"),
        ("\u{FEFF}Nguyễn\u{200D} Văn A\u{2060}", "NGUYỄN VĂN A"),
        ("\u{00D0}ặng Thị Mỹ", "ĐẶNG THỊ MỸ"),
        ("ðặng thị mỹ", "ĐẶNG THỊ MỸ"),
        // Tones in the traditional convention whichever way they were typed.
        ("Nguyễn Thị Thuỷ", "NGUYỄN THỊ THỦY"),
        ("Lê Văn Hoà", "LÊ VĂN HÒA"),
        ("Trần Khoẻ", "TRẦN KHỎE"),
        ("Hoàng Thị Thủy", "HOÀNG THỊ THỦY"),
        ("Quý Huỳnh Khuyến", "QUÝ HUỲNH KHUYẾN"),
    ])
    func normalizes(raw: String, expected: String) throws {
        let name = try FullName.normalize(raw, tones: .traditional).get()
        #expect(name == expected)
        #expect(name.unicodeScalars.elementsEqual(expected.unicodeScalars), "must be NFC, not just canonically equal")
    }

    @Test(arguments: [
        ("", ProblemCode.empty),
        ("   \n ", .empty),
        ("\u{00A0}\u{200B}\r\n", .empty),
        ("Nguyễn Văn 2", .invalidCharacters),
        ("Nguyễn.Văn", .invalidCharacters),
        ("Nguyễn_Văn", .invalidCharacters),
        (String(repeating: "A", count: 101), .tooLong),
    ])
    func rejects(raw: String, code: ProblemCode) {
        #expect(throws: ValueIssue.self) { try FullName.normalize(raw, tones: .traditional).get() }
        if case .failure(let issue) = FullName.normalize(raw, tones: .traditional) {
            #expect(issue.code == code)
        }
    }

    /// The fast path skips Foundation's NFC for text made only of these scalars; that is right only if each
    /// is its own NFC form and no two of them compose. Every pair is checked, space-separated in one string.
    @Test func scalarsLeftUncomposedAreTheirOwnNFCAndComposeWithNothing() {
        let scalars = (Array(UInt32(0x20)..<0x300) + Array(UInt32(0x1E00)...0x1EFF))
            .compactMap { Unicode.Scalar($0) }
            .filter { FullName.isComposedStarter($0) && !$0.properties.isNoncharacterCodePoint }
        var singles = String.UnicodeScalarView()
        var pairs = String.UnicodeScalarView()
        for first in scalars {
            singles.append(first)
            singles.append(" ")
            for second in scalars where second != " " {
                pairs.append(first)
                pairs.append(second)
                pairs.append(" ")
            }
        }
        for text in [String(singles), String(pairs)] {
            #expect(text.precomposedStringWithCanonicalMapping.unicodeScalars.elementsEqual(text.unicodeScalars))
        }
    }

    /// The scalar-by-scalar split of simple text against the character split it replaces: every simple
    /// scalar between and around every whitespace scalar among them.
    @Test func collapsingWhitespaceOfSimpleTextSplitsAsCharactersDo() {
        let scalars = (Array(UInt32(0x09)..<0x300) + Array(UInt32(0x1E00)...0x1EFF)).compactMap { Unicode.Scalar($0) }
        let whitespace = scalars.filter(\.properties.isWhitespace)
        #expect(whitespace.map(\.value) == [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0])
        for scalar in scalars {
            for space in whitespace {
                for pattern in [[space, scalar, space, space, scalar, space], [scalar, space, scalar, scalar]] {
                    let raw = String(String.UnicodeScalarView(pattern))
                    #expect(
                        FullName.collapsingWhitespace(raw)
                            == raw.split(whereSeparator: \.isWhitespace).joined(separator: " ")
                    )
                }
            }
        }
        let crlf = "A\r\nB \r\n"
        #expect(
            FullName.collapsingWhitespace(crlf) == crlf.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        )
    }

    @Test func oneHundredCharactersIsTheLimitAfterCollapsingSpaces() throws {
        let exactly100 = String(repeating: "Ư", count: 100)
        #expect(try FullName.normalize("  " + exactly100 + "  ", tones: .traditional).get().count == 100)
    }
}

@Suite struct TonePlacementTests {
    /// The conventions differ on open OA, OE, UY only; closed syllables, three vowels and shaped vowels
    /// (Ă Â Ê Ô Ơ Ư) are marked alike.
    @Test(arguments: [
        ("HÒA", "HÒA", "HOÀ"), ("HOÀ", "HÒA", "HOÀ"), ("THỦY", "THỦY", "THUỶ"), ("THUỶ", "THỦY", "THUỶ"),
        ("KHỎE", "KHỎE", "KHOẺ"), ("KHOẺ", "KHỎE", "KHOẺ"), ("HÒANG", "HOÀNG", "HOÀNG"), ("HUỲNH", "HUỲNH", "HUỲNH"),
        ("KHÓAI", "KHOÁI", "KHOÁI"), ("NGƯỜI", "NGƯỜI", "NGƯỜI"), ("MÙA", "MÙA", "MÙA"), ("QÙA", "QUÀ", "QUÀ"),
        ("QUÝ", "QUÝ", "QUÝ"), ("GÌA", "GIÀ", "GIÀ"), ("GÌ", "GÌ", "GÌ"), ("TÚI", "TÚI", "TÚI"),
        ("LÊ-HOÀ THUỶ", "LÊ-HÒA THỦY", "LÊ-HOÀ THUỶ"), ("H'HEN", "H'HEN", "H'HEN"),
    ])
    func placesTones(written: String, traditional: String, modern: String) {
        #expect(TonePlacement.traditional.placingTones(in: written) == traditional)
        #expect(TonePlacement.modern.placingTones(in: written) == modern)
    }

    /// No rule fits these words; they are kept as written rather than guessed at.
    @Test(arguments: ["MARÍA", "ÊBAN", "ÀÁ", "KSOR", "NIÊ", "OAOÀ"])
    func leavesWordsThatAreNotOneSyllable(word: String) {
        for placement in TonePlacement.allCases {
            #expect(placement.placingTones(in: word) == word)
        }
    }
}

@Suite struct DateOfBirthTests {
    @Test(arguments: [
        ("20/04/1990", BirthDate.full(year: 1990, month: 4, day: 20)),
        ("2/4/1990", .full(year: 1990, month: 4, day: 2)),
        ("1990-04-20", .full(year: 1990, month: 4, day: 20)),
        ("1990", .yearOnly(1990)),
        (" 1990 ", .yearOnly(1990)),
        ("29/02/2000", .full(year: 2000, month: 2, day: 29)),
        ("01/01/1900", .full(year: 1900, month: 1, day: 1)),
        // Received 08:30 on 20/05/2024 in Vietnam (01:30 UTC): today is not in the future.
        ("20/05/2024", .full(year: 2024, month: 5, day: 20)),
        ("2024", .yearOnly(2024)),
    ])
    func parses(raw: String, expected: BirthDate) throws {
        #expect(try DateOfBirth.parse(raw, today: Fixture.receivedAt).get() == expected)
    }

    @Test(arguments: [
        ("29/02/2001", ProblemCode.invalidDate),
        ("31/04/1990", .invalidDate),
        ("00/01/1990", .invalidDate),
        ("01/13/1990", .invalidDate),
        ("1900-02-29", .invalidDate),
        ("31/12/1899", .dateTooEarly),
        ("1899", .dateTooEarly),
        ("21/05/2024", .dateInFuture),
        ("2025", .dateInFuture),
        ("20-04-1990", .invalidFormat),
        ("1990/04/20", .invalidFormat),
        ("20/04/90", .invalidFormat),
        ("123/4/1990", .invalidFormat),
        ("199O", .invalidFormat),
        ("", .invalidFormat),
        ("20.04.1990", .invalidFormat),
    ])
    func rejects(raw: String, code: ProblemCode) {
        guard case .failure(let issue) = DateOfBirth.parse(raw, today: Fixture.receivedAt) else {
            Issue.record("\(raw) was accepted")
            return
        }
        #expect(issue.code == code)
    }

    @Test func todayFollowsVietnameseTimeNotUTC() throws {
        // 2024-05-19T18:00Z is already 20/05 01:00 in Vietnam.
        let lateUTCEvening = Date(timeIntervalSince1970: 1_716_141_600)
        #expect(throws: Never.self) { try DateOfBirth.parse("20/05/2024", today: lateUTCEvening).get() }
        #expect(throws: ValueIssue.self) { try DateOfBirth.parse("21/05/2024", today: lateUTCEvening).get() }
    }
}

@Suite struct IdNumberTests {
    @Test(arguments: ["089090001234", "001203004587", "123456789", " 089090001234 ", "189090001234"])
    func accepts(raw: String) throws {
        #expect(try IdNumber.check(raw).get() == raw.trimmingCharacters(in: .whitespaces))
    }

    @Test(arguments: [
        ("08909000123", ProblemCode.invalidFormat),
        ("0890900012345", .invalidFormat),
        ("12345678", .invalidFormat),
        ("08909000123a", .invalidFormat),
        ("０８９０９０００１２３４", .invalidFormat),  // full-width digits
        ("003090001234", .unknownProvinceCode),  // 003 is between Hà Giang (002) and Cao Bằng (004)
        ("099090001234", .unknownProvinceCode),
        ("000090001234", .unknownProvinceCode),
    ])
    func rejects(raw: String, code: ProblemCode) {
        guard case .failure(let issue) = IdNumber.check(raw) else {
            Issue.record("\(raw) was accepted")
            return
        }
        #expect(issue.code == code)
    }

    @Test(arguments: [
        ("0890", 1900, Gender.male), ("0891", 1900, .female), ("0892", 2000, .male), ("0893", 2000, .female),
        ("0894", 2100, .male), ("0895", 2100, .female), ("0016", 2200, .male), ("0019", 2300, .female),
    ])
    func centuryAndGenderDigit(prefix: String, century: Int, gender: Gender) throws {
        let cccd = try #require(CCCDNumber(prefix + "85001234"))
        #expect(cccd.birthCentury == century)
        #expect(cccd.gender == gender)
        #expect(cccd.birthYearLastTwoDigits == 85)
    }

    @Test func provinceComesFromTheFirstThreeDigits() throws {
        #expect(try #require(CCCDNumber("089090001234")).province?.name == "An Giang")
        #expect(try #require(CCCDNumber("017190001234")).province?.name == "Hòa Bình")
        #expect(try #require(CCCDNumber("189090001234")).isProvinceCoded == false)
    }

    @Test(arguments: [
        ("089090001234", BirthDate.full(year: 1990, month: 4, day: 20), nil as ProblemCode?),
        ("089190001234", .yearOnly(1990), nil),
        ("089205001234", .full(year: 2005, month: 1, day: 1), nil),
        ("089305001234", .yearOnly(2005), nil),
        ("089290001234", .yearOnly(1990), .idNumberCenturyMismatch),
        ("089090001234", .yearOnly(1991), .idNumberYearMismatch),
        ("089005001234", .full(year: 2005, month: 1, day: 1), .idNumberCenturyMismatch),
        ("089088001234", .full(year: 1990, month: 4, day: 20), .idNumberYearMismatch),
    ])
    func contradictionWithDateOfBirth(number: String, date: BirthDate, expected: ProblemCode?) throws {
        let cccd = try #require(CCCDNumber(number))
        #expect(cccd.contradiction(with: date)?.code == expected)
    }
}

@Suite struct TimestampTests {
    @Test(arguments: [
        ("2024-05-20T01:30:00Z", 1_716_168_600.0),
        ("2024-05-20T08:30:00+07:00", 1_716_168_600.0),
        ("2024-05-19T20:30:00-05:00", 1_716_168_600.0),
        ("2024-05-20t01:30:00.250z", 1_716_168_600.25),
        ("1970-01-01T00:00:00Z", 0),
        ("1969-12-31T23:59:59.5Z", -0.5),
        ("2000-02-29T12:00:00Z", 951_825_600),
    ])
    func parses(text: String, seconds: Double) {
        #expect(Timestamp.parse(text) == Date(timeIntervalSince1970: seconds))
    }

    @Test(arguments: [
        "2024-05-20", "2024-05-20T01:30:00", "2024-05-20 01:30:00Z", "2024-02-30T01:30:00Z",
        "2024-05-20T24:00:00Z", "2024-05-20T01:30:00.Z", "2024-05-20T01:30:00+0700", "2024-05-20T01:30:00Zjunk",
    ])
    func rejects(text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test func formatsUTCWithMilliseconds() {
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1_716_168_600.25)) == "2024-05-20T01:30:00.250Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59.500Z")
    }
}

@Suite struct PersonalDataTests {
    @Test func masks() {
        #expect(PersonalData.maskIdNumber("001203004587") == "0012******87")
        #expect(PersonalData.maskIdNumber("351234567") == "3512***67")
        #expect(PersonalData.maskIdNumber("12345") == "*****")
        #expect(PersonalData.maskName("TRẦN QUANG KHƯƠNG") == "T*** Q*** K***")
        #expect(PersonalData.maskName("ĐẶNG THỊ MỸ LINH") == "Đ*** T*** M*** L***")
        #expect(PersonalData.maskDateOfBirth(.full(year: 1990, month: 4, day: 20)) == "**/**/19**")
        #expect(PersonalData.maskDateOfBirth(.yearOnly(2005)) == "20**")
    }
}
