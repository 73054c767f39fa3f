import Foundation

/// Which vowel of a Vietnamese syllable carries the tone mark. The two conventions in use differ only on
/// open syllables whose vowels are `OA`, `OE` or `UY`: the traditional one marks the first vowel (HÒA, KHỎE,
/// THỦY), the modern one the second (HOÀ, KHOẺ, THUỶ). A registry compares names as text, so every name is
/// written in the registry's convention before it is sent or used as a cache key.
public enum TonePlacement: String, Sendable, Hashable, Codable, CaseIterable {
    case traditional
    case modern

    /// `name` (uppercase NFC, as `FullName` writes it) with the tone of each syllable on the vowel this
    /// convention marks, wherever the writer put it. A word that is not one syllable (vowels apart, more than
    /// three vowels, two tone marks) is kept as written: there is no rule to apply to it.
    public func placingTones(in name: String) -> String {
        var output = String.UnicodeScalarView()
        var word: [Unicode.Scalar] = []
        var changed = false
        func flush() {
            if let placed = placingTone(in: word) {
                output.append(contentsOf: placed)
                changed = true
            } else {
                output.append(contentsOf: word)
            }
            word.removeAll(keepingCapacity: true)
        }
        for scalar in name.unicodeScalars {
            if scalar == " " || scalar == "-" || scalar == "'" {
                flush()
                output.append(scalar)
            } else {
                word.append(scalar)
            }
        }
        flush()
        return changed ? String(output) : name
    }

    /// The word with its tone moved, or `nil` when it stays as it is.
    private func placingTone(in word: [Unicode.Scalar]) -> [Unicode.Scalar]? {
        var letters = word
        var vowels: [Int] = []
        var tone: Int?
        for (index, scalar) in word.enumerated() {
            if let toned = Vowels.toned[scalar] {
                guard tone == nil else { return nil }
                tone = toned.tone
                letters[index] = toned.base
                vowels.append(index)
            } else if Vowels.bases.contains(scalar) {
                vowels.append(index)
            }
        }
        guard let tone, let first = vowels.first, let last = vowels.last, last - first + 1 == vowels.count else {
            return nil
        }
        // The U of QU and the I of GI before another vowel belong to the consonant: QUÝ, GIÀ.
        if vowels.count > 1, first == 1,
            (letters[0], letters[1]) == ("Q", "U") || (letters[0], letters[1]) == ("G", "I")
        {
            vowels.removeFirst()
        }
        guard vowels.count <= 3 else { return nil }
        let isOpen = last == letters.count - 1
        let target: Int
        if let shaped = vowels.last(where: { Vowels.shaped.contains(letters[$0]) }) {
            target = shaped  // Ă Â Ê Ô Ơ Ư carry the tone; in ƯƠ the Ơ does
        } else if vowels.count == 3 {
            target = vowels[1]
        } else if vowels.count == 2, !isOpen {
            target = vowels[1]
        } else if vowels.count == 2, self == .modern,
            Vowels.modernPairs.contains([letters[vowels[0]], letters[vowels[1]]])
        {
            target = vowels[1]
        } else {
            target = vowels[0]
        }
        guard let marked = Vowels.composed[letters[target]]?[tone] else { return nil }
        letters[target] = marked
        return letters == word ? nil : letters
    }
}

/// The uppercase vowels and their toned forms, built once from Unicode's own compositions.
private enum Vowels {
    /// Grave (huyền), acute (sắc), tilde (ngã), hook above (hỏi), dot below (nặng).
    static let toneMarks: [Unicode.Scalar] = ["\u{0300}", "\u{0301}", "\u{0303}", "\u{0309}", "\u{0323}"]
    static let shaped: Set<Unicode.Scalar> = ["Ă", "Â", "Ê", "Ô", "Ơ", "Ư"]
    static let bases: Set<Unicode.Scalar> = shaped.union(["A", "E", "I", "O", "U", "Y"])
    /// The open pairs the modern convention marks on the second vowel.
    static let modernPairs: Set<[Unicode.Scalar]> = [["O", "A"], ["O", "E"], ["U", "Y"]]

    /// Base vowel → tone index → the precomposed letter.
    static let composed: [Unicode.Scalar: [Unicode.Scalar]] = Dictionary(
        uniqueKeysWithValues: bases.map { base in
            (
                base,
                toneMarks.map { mark in
                    let text = String(String.UnicodeScalarView([base, mark])).precomposedStringWithCanonicalMapping
                    return text.unicodeScalars.first ?? base
                }
            )
        }
    )

    /// Precomposed toned letter → its base vowel and tone index.
    static let toned: [Unicode.Scalar: (base: Unicode.Scalar, tone: Int)] = Dictionary(
        uniqueKeysWithValues: composed.flatMap { base, forms in
            forms.enumerated().map { tone, form in (form, (base, tone)) }
        }
    )
}
