import Foundation

/// Full names as the population database stores them: NFC, single spaces, uppercase with
/// Vietnamese diacritics, one apostrophe, tones placed by the registry's convention, so that
/// `trần  quang khương` typed with combining marks and `TRẦN QUANG KHƯƠNG` are one name, and so are
/// `Thuỷ` and `THỦY`, `H’Hen` and `H'HEN`.
public enum FullName {
    public static let maximumLength = 100
    /// Characters alone do not bound a name: a letter followed by thousands of combining marks is one
    /// character. A Vietnamese letter in NFC is at most 3 bytes of UTF-8, so 4 a character is generous.
    public static let maximumBytes = 4 * maximumLength

    /// The normalised name, or why the text cannot be a name.
    public static func normalize(_ raw: String, tones: TonePlacement) -> Result<String, ValueIssue> {
        // Refused before normalising, which costs in proportion to the text; surrounding blanks were trimmed.
        guard raw.utf8.count <= maximumBytes else { return .failure(tooManyBytes) }
        let collapsed = collapsingWhitespace(unifyingTypedVariants(raw))
        guard !collapsed.isEmpty else {
            return .failure(.init(code: .empty, message: "Họ và tên không được để trống."))
        }
        let (composedName, isSimple) = composed(collapsed.uppercased())
        let name = tones.placingTones(in: unifyingEth(composedName))
        guard name.unicodeScalars.allSatisfy(isAllowed) else {
            return .failure(
                .init(
                    code: .invalidCharacters,
                    message: "Họ và tên chỉ gồm chữ cái, khoảng trắng, dấu nháy đơn (') và dấu gạch nối (-)."
                )
            )
        }
        // Each scalar of simple text is a character of its own (spaces are single now), and counting
        // characters costs a grapheme walk.
        guard (isSimple ? name.unicodeScalars.count : name.count) <= maximumLength else {
            return .failure(
                .init(code: .tooLong, message: "Họ và tên dài tối đa \(maximumLength) ký tự.")
            )
        }
        guard name.utf8.count <= maximumBytes else { return .failure(tooManyBytes) }
        return .success(name)
    }

    private static let tooManyBytes = ValueIssue(
        code: .tooLong,
        message: "Họ và tên dài tối đa \(maximumBytes) byte (UTF-8); tên có quá nhiều dấu tổ hợp cũng bị từ chối."
    )

    /// Apostrophes as phones and word processors type them (’ U+2019, ʼ U+02BC) become `'`; zero-width
    /// characters copied along with a name are dropped. Returns `raw` itself when there is nothing to do.
    static func unifyingTypedVariants(_ raw: String) -> String {
        guard raw.unicodeScalars.contains(where: { $0 == "\u{2019}" || $0 == "\u{02BC}" || Self.isInvisible($0) })
        else {
            return raw
        }
        var scalars = String.UnicodeScalarView()
        for scalar in raw.unicodeScalars where !isInvisible(scalar) {
            scalars.append(scalar == "\u{2019}" || scalar == "\u{02BC}" ? "'" : scalar)
        }
        return String(scalars)
    }

    /// Zero-width space, joiners, word joiner and the byte-order mark: invisible, never part of a name.
    static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x200B...0x200D, 0x2060, 0xFEFF: true
        default: false
        }
    }

    /// Ð (U+00D0, the Icelandic eth, which `ð` uppercases to) looks like Đ and is typed for it.
    private static func unifyingEth(_ name: String) -> String {
        name.unicodeScalars.contains("\u{00D0}") ? name.replacingOccurrences(of: "\u{00D0}", with: "\u{0110}") : name
    }

    /// NFC. Text made only of scalars that are their own NFC form and combine with nothing (as Vietnamese
    /// names written with precomposed letters are) is returned as it is: Foundation's normalisation was the
    /// largest single cost of validating a request.
    private static func composed(_ text: String) -> (text: String, isSimple: Bool) {
        text.unicodeScalars.allSatisfy(isComposedStarter)
            ? (text, true) : (text.precomposedStringWithCanonicalMapping, false)
    }

    /// The words of `raw` (split at whitespace characters) joined by single spaces. Text made only of
    /// composed starters is split scalar by scalar: each such scalar is a whole character (a CR LF pair
    /// is whitespace either way), and splitting characters was a large share of validating a request.
    static func collapsingWhitespace(_ raw: String) -> String {
        guard raw.unicodeScalars.allSatisfy(isComposedStarter) else {
            return raw.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        }
        var words = String.UnicodeScalarView()
        var spaceOwed = false
        for scalar in raw.unicodeScalars {
            if isWhitespaceStarter(scalar) {
                spaceOwed = !words.isEmpty
                continue
            }
            if spaceOwed {
                words.append(" ")
                spaceOwed = false
            }
            words.append(scalar)
        }
        return String(words)
    }

    /// The White_Space scalars among the composed starters.
    private static func isWhitespaceStarter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0: true
        default: false
        }
    }

    /// Latin up to the combining marks (U+0300) and the Latin Extended Additional block, where Vietnamese
    /// precomposed letters live: each is a starter that NFC leaves alone (`FullNameTests` checks every one).
    static func isComposedStarter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x300 || (0x1E00...0x1EFF).contains(scalar.value)
    }

    /// Letters, marks a letter could not absorb under NFC, space, apostrophe, hyphen.
    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case " ", "'", "-": return true
        default: break
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .nonspacingMark, .spacingMark:
            return true
        default:
            return false
        }
    }
}
