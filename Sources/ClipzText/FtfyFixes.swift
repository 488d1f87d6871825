import Foundation

/// The subset of `ftfy.fix_text` (ftfy 6.x, default config) that open_clip's cleanup relies on:
/// HTML entity unescaping, C1 controls as Windows-1252, Latin ligatures, full/half-width forms,
/// curly quotes, line breaks, ANSI terminal escapes, control characters and NFC normalisation.
/// Mojibake repair (`fix_encoding`) is reproduced only in its plainest, most common case: UTF-8
/// text that was decoded as Windows-1252/Latin-1 ("Ã©tÃ©" → "été"); ftfy's other heuristics are not.
struct FtfyFixer: Sendable {
    let html: HTMLUnescaper

    /// `ftfy.fix_text`: fixes each line separately; once a line contains '<', entity
    /// unescaping stays off for that line and all later ones (ftfy's "auto" mode).
    func fixText(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.count)
        var unescape = true
        var pos = 0
        while pos < text.count {
            var end = pos
            while end < text.count, text[end] != "\n" { end += 1 }
            if end < text.count { end += 1 }  // the segment keeps its '\n'
            let segment = Array(text[pos..<end])
            if unescape, segment.contains("<") { unescape = false }
            out += fixSegment(segment, unescape: unescape)
            pos = end
        }
        return out
    }

    /// `fix_and_explain`: applies the fixers in ftfy's order until nothing changes.
    private func fixSegment(_ segment: [Unicode.Scalar], unescape: Bool) -> [Unicode.Scalar] {
        var text = segment
        // ftfy loops until nothing changes (nested "&amp;amp;…" needs one pass per level); the cap,
        // above any real nesting depth, only guards against a pathological cycle.
        let fixers: [([Unicode.Scalar]) -> [Unicode.Scalar]] = [
            Self.fixMojibake, Self.fixC1Controls, Self.fixLigatures, Self.fixWidth, Self.uncurlQuotes,
            Self.fixLineBreaks, Self.removeTerminalEscapes, Self.removeControlChars, Unicode.nfc,
        ]
        for _ in 0..<(segment.count + 4) {
            let before = text
            if unescape { text = html.ftfyUnescape(text) }
            for fix in fixers { text = fix(text) }
            if text == before { break }
        }
        return text
    }

    /// A segment whose characters all have a Windows-1252 byte and whose bytes form valid UTF-8 with at
    /// least one multi-byte sequence was UTF-8 mis-decoded: decode it again. Legitimate accented
    /// Latin-1 text (e.g. "café") is not valid UTF-8 as bytes, so it is left alone.
    static func fixMojibake(_ t: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard t.contains(where: { (0xC2...0xF4).contains($0.value) }) else { return t }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(t.count)
        for s in t {
            guard let b = Windows1252.byte(for: s) else { return t }
            bytes.append(b)
        }
        guard let decoded = String(bytes: bytes, encoding: .utf8) else { return t }
        let out = Array(decoded.unicodeScalars)
        return out.count < t.count ? out : t
    }

    static func fixC1Controls(_ t: [Unicode.Scalar]) -> [Unicode.Scalar] {
        t.map { (0x80...0x9F).contains($0.value) ? Windows1252.scalar(forC1: $0.value) : $0 }
    }

    /// ftfy's LIGATURES table (Latin only; other scripts' ligatures are left alone).
    private static let ligatures: [UInt32: String] = [
        0x132: "IJ", 0x133: "ij", 0x149: "ʼn", 0x1F1: "DZ", 0x1F2: "Dz", 0x1F3: "dz",
        0x1C4: "DŽ", 0x1C5: "Dž", 0x1C6: "dž", 0x1C7: "LJ", 0x1C8: "Lj", 0x1C9: "lj",
        0x1CA: "NJ", 0x1CB: "Nj", 0x1CC: "nj", 0xFB00: "ff", 0xFB01: "fi", 0xFB02: "fl",
        0xFB03: "ffi", 0xFB04: "ffl", 0xFB05: "ſt", 0xFB06: "st",
    ]

    static func fixLigatures(_ t: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard t.contains(where: { ligatures[$0.value] != nil }) else { return t }
        // NFC of the table values keeps "DŽ" etc. as in Python (precomposed literals).
        return t.flatMap { s in ligatures[s.value].map { Array($0.unicodeScalars) } ?? [s] }
    }

    /// ftfy's WIDTH_MAP: U+3000 and U+FF01–U+FFEF replaced by their NFKC form when it differs.
    private static let widthMap: [UInt32: [Unicode.Scalar]] = {
        var m: [UInt32: [Unicode.Scalar]] = [0x3000: [" "]]
        for v in UInt32(0xFF01)..<0xFFF0 {
            guard let s = Unicode.Scalar(v) else { continue }
            let folded = String(Character(s)).precomposedStringWithCompatibilityMapping
            let scalars = Array(folded.unicodeScalars)
            if scalars != [s] { m[v] = scalars }
        }
        return m
    }()

    static func fixWidth(_ t: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard t.contains(where: { $0.value == 0x3000 || $0.value >= 0xFF01 }) else { return t }
        return t.flatMap { widthMap[$0.value] ?? [$0] }
    }

    static func uncurlQuotes(_ t: [Unicode.Scalar]) -> [Unicode.Scalar] {
        t.map { s in
            switch s.value {
            case 0x2BC, 0x2018...0x201B: return "'"
            case 0x201C...0x201F: return "\""
            default: return s
            }
        }
    }

    static func fixLineBreaks(_ t: [Unicode.Scalar]) -> [Unicode.Scalar] {
        ScalarRewrite.replacing(t) { i in
            if t[i] == "\r", i + 1 < t.count, t[i + 1] == "\n" { return (i + 2, ["\n"]) }
            switch t[i].value {
            case 0x0D, 0x2028, 0x2029, 0x85: return (i + 1, ["\n"])
            default: return nil
            }
        }
    }

    /// Removes `ESC [ (digit|;)* letter`.
    static func removeTerminalEscapes(_ t: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard t.contains("\u{1B}") else { return t }
        return ScalarRewrite.replacing(t) { i in
            guard t[i] == "\u{1B}", i + 1 < t.count, t[i + 1] == "[" else { return nil }
            var j = i + 2
            while j < t.count, t[j] == ";" || (0x30...0x39).contains(t[j].value) { j += 1 }
            guard j < t.count, t[j].isASCII, t[j].properties.isAlphabetic else { return nil }
            return (j + 1, [])
        }
    }

    static func removeControlChars(_ t: [Unicode.Scalar]) -> [Unicode.Scalar] {
        t.filter { s in
            switch s.value {
            case 0x00...0x08, 0x0B, 0x0E...0x1F, 0x7F, 0x206A...0x206F, 0xFEFF, 0xFFF9...0xFFFC: return false
            default: return true
            }
        }
    }
}

extension Unicode {
    /// NFC normalisation; pure-ASCII input is returned as is (already normalised).
    static func nfc(_ t: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard t.contains(where: { !$0.isASCII }) else { return t }
        let s = String(String.UnicodeScalarView(t))
        return Array(s.precomposedStringWithCanonicalMapping.unicodeScalars)
    }
}
