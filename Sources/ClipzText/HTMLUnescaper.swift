/// The two HTML unescaping steps of open_clip's cleanup, reproduced scalar by scalar:
/// ftfy's conservative `unescape_html` (only `&name;` / `&#…;` forms) and Python's
/// `html.unescape` (HTML5 rules, including legacy names without ';').
struct HTMLUnescaper: Sendable {
    let entities: HTMLEntities

    private static func isASCIIAlnum(_ s: Unicode.Scalar) -> Bool {
        (0x30...0x39).contains(s.value) || (0x41...0x5A).contains(s.value) || (0x61...0x7A).contains(s.value)
    }
    private static func isDigit(_ s: Unicode.Scalar) -> Bool { (0x30...0x39).contains(s.value) }
    private static func isHex(_ s: Unicode.Scalar) -> Bool {
        isDigit(s) || (0x41...0x46).contains(s.value) || (0x61...0x66).contains(s.value)
    }

    /// ftfy `unescape_html`: replaces matches of `&#?[0-9A-Za-z]{1,24};`.
    func ftfyUnescape(_ t: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard t.contains("&") else { return t }
        return ScalarRewrite.replacing(t) { i in
            guard t[i] == "&", let end = ftfyMatchEnd(t, from: i) else { return nil }
            let match = Array(t[i..<end])
            let name = String(String.UnicodeScalarView(match.dropFirst()))
            if let v = entities.ftfy[name] { return (end, Array(v.unicodeScalars)) }
            guard match.count > 1, match[1] == "#" else { return (end, match) }
            let decoded = pythonUnescape(match)
            // ftfy keeps the reference when Python only decoded part of it.
            return (end, decoded.contains(";") ? match : decoded)
        }
    }

    /// End index (exclusive) of an ftfy entity match starting at `&`, or nil.
    private func ftfyMatchEnd(_ t: [Unicode.Scalar], from start: Int) -> Int? {
        var j = start + 1
        if j < t.count, t[j] == "#" { j += 1 }
        let runStart = j
        while j < t.count, Self.isASCIIAlnum(t[j]), j - runStart < 25 { j += 1 }
        let run = j - runStart
        guard run >= 1, run <= 24, j < t.count, t[j] == ";" else { return nil }
        return j + 1
    }

    /// Python `html.unescape`.
    func pythonUnescape(_ t: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard t.contains("&") else { return t }
        return ScalarRewrite.replacing(t) { i in t[i] == "&" ? pythonReference(t, at: i) : nil }
    }

    /// Matches `&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)` at `start`.
    private func pythonReference(_ t: [Unicode.Scalar], at start: Int) -> (Int, [Unicode.Scalar])? {
        let n = t.count
        var j = start + 1
        guard j < n else { return nil }
        if t[j] == "#" {
            j += 1
            var radix: UInt32 = 10
            if j < n, Self.isDigit(t[j]) {
            } else if j + 1 < n, t[j] == "x" || t[j] == "X", Self.isHex(t[j + 1]) {
                radix = 16; j += 1
            } else { return nil }
            // Saturate: anything past U+10FFFF behaves the same.
            var value: UInt32 = 0
            while j < n, radix == 10 ? Self.isDigit(t[j]) : Self.isHex(t[j]) {
                value = min(value &* radix &+ Self.digitValue(t[j]), 0x110000)
                j += 1
            }
            if j < n, t[j] == ";" { j += 1 }
            return (j, Self.numericReplacement(value))
        }
        let runStart = j
        while j < n, j - runStart < 32, !Self.isNameStop(t[j]) { j += 1 }
        guard j > runStart else { return nil }
        if j < n, t[j] == ";" { j += 1 }
        let s = Array(t[runStart..<j])
        if let v = entities.html5[String(String.UnicodeScalarView(s))] { return (j, Array(v.unicodeScalars)) }
        // Longest known prefix of at least 2 scalars, rest kept verbatim (HTML5 rule).
        var x = min(s.count - 1, entities.maxHTML5Length)
        while x >= 2 {
            if let v = entities.html5[String(String.UnicodeScalarView(s[0..<x]))] {
                return (j, Array(v.unicodeScalars) + s[x...])
            }
            x -= 1
        }
        return (j, ["&"] + s)
    }

    /// Value of an ASCII hex digit (callers have checked `isHex`).
    private static func digitValue(_ s: Unicode.Scalar) -> UInt32 {
        switch s.value {
        case 0x30...0x39: return s.value - 0x30
        case 0x41...0x46: return s.value - 0x41 + 10
        default: return s.value &- 0x61 &+ 10
        }
    }

    private static func isNameStop(_ s: Unicode.Scalar) -> Bool {
        s == "\t" || s == "\n" || s == "\u{0C}" || s == " " || s == "<" || s == "&" || s == "#" || s == ";"
    }

    /// Python's `_replace_charref` for numeric references.
    private static func numericReplacement(_ num: UInt32) -> [Unicode.Scalar] {
        if num == 0 { return ["\u{FFFD}"] }
        if num == 0x0D { return ["\r"] }
        if (0x80...0x9F).contains(num) { return [Windows1252.scalar(forC1: num)] }
        if (0xD800...0xDFFF).contains(num) || num > 0x10FFFF { return ["\u{FFFD}"] }
        if (0x1...0x8).contains(num) || num == 0xB || (0xE...0x1F).contains(num) || (0x7F...0x9F).contains(num)
            || (0xFDD0...0xFDEF).contains(num) || (num & 0xFFFE) == 0xFFFE {
            return []
        }
        return [Unicode.Scalar(num) ?? "\u{FFFD}"]
    }
}
