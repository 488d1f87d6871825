/// open_clip's pre-tokenisation regex, matched by hand over Unicode scalars:
/// `SOT|EOT|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+` (case-insensitive),
/// tried in that order at each position, like `re.findall`.
struct PreTokenizer: Sendable {
    /// A piece of the cleaned text: a special token's id, or a range of scalars for BPE.
    enum Piece: Equatable {
        case special(Int)
        case text(Range<Int>)
    }

    /// Special token spellings (already scalars) with their ids, tried first.
    let specials: [([Unicode.Scalar], Int)]

    private static let contractions: [[Unicode.Scalar]] = ["s", "t", "re", "ve", "m", "ll", "d"].map { Array($0.unicodeScalars) }

    static func isLetter(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    static func isNumber(_ s: Unicode.Scalar) -> Bool {
        if s.isASCII { return (0x30...0x39).contains(s.value) }
        switch s.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// Regex `\s` (Unicode White_Space, plus the ASCII separators Python also treats as space).
    static func isSpace(_ s: Unicode.Scalar) -> Bool {
        TextCleaner.isPythonSpace(s) || s.properties.isWhitespace
    }

    /// Case-insensitive equality with an ASCII lower-case pattern scalar (simple case folding:
    /// U+017F LONG S folds to 's', U+212A KELVIN SIGN to 'k').
    private static func foldEquals(_ s: Unicode.Scalar, _ p: Unicode.Scalar) -> Bool {
        if s == p { return true }
        if (0x41...0x5A).contains(s.value) { return s.value + 32 == p.value }
        if s.value == 0x17F { return p == "s" }
        if s.value == 0x212A { return p == "k" }
        return false
    }

    private static func matches(_ t: [Unicode.Scalar], at i: Int, _ pattern: [Unicode.Scalar]) -> Bool {
        guard i + pattern.count <= t.count else { return false }
        for (k, p) in pattern.enumerated() where !foldEquals(t[i + k], p) { return false }
        return true
    }

    func split(_ t: [Unicode.Scalar]) -> [Piece] {
        var pieces: [Piece] = []
        var i = 0
        let n = t.count
        scan: while i < n {
            for (spelling, id) in specials where Self.matches(t, at: i, spelling) {
                pieces.append(.special(id)); i += spelling.count
                continue scan
            }
            if t[i] == "'" {
                for c in Self.contractions where Self.matches(t, at: i + 1, c) {
                    pieces.append(.text(i..<(i + 1 + c.count))); i += 1 + c.count
                    continue scan
                }
            }
            let s = t[i]
            if Self.isLetter(s) {
                var j = i + 1
                while j < n, Self.isLetter(t[j]) { j += 1 }
                pieces.append(.text(i..<j)); i = j
            } else if Self.isNumber(s) {
                pieces.append(.text(i..<(i + 1))); i += 1
            } else if Self.isSpace(s) {
                i += 1
            } else {
                var j = i + 1
                while j < n, !Self.isSpace(t[j]), !Self.isLetter(t[j]), !Self.isNumber(t[j]) { j += 1 }
                pieces.append(.text(i..<j)); i = j
            }
        }
        return pieces
    }
}
