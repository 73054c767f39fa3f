import DanCuContract

/// Masks every run of exactly 9 or 12 ASCII digits (CMND and CCCD lengths) that is not part of a longer
/// number, the way `PersonalData.maskIdNumber` does.
enum IdNumberMask {
    private static let idLengths: Set<Int> = [9, 12]

    static func apply(to text: String) -> String {
        // Most lines hold no such number: return them untouched without building a new string.
        guard containsIdShapedRun(text) else { return text }
        var result = ""
        var digits = ""
        for character in text {
            if character.isASCII, character.isWholeNumber {
                digits.append(character)
                continue
            }
            result += flushed(digits)
            digits = ""
            result.append(character)
        }
        return result + flushed(digits)
    }

    private static func flushed(_ digits: String) -> String {
        idLengths.contains(digits.count) ? PersonalData.maskIdNumber(digits) : digits
    }

    private static func containsIdShapedRun(_ text: String) -> Bool {
        var run = 0
        for byte in text.utf8 {
            if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                run += 1
            } else {
                if idLengths.contains(run) { return true }
                run = 0
            }
        }
        return idLengths.contains(run)
    }
}
