/// open_clip's default "lower" cleanup, step for step:
/// `whitespace_clean(basic_clean(text)).lower()` where `basic_clean` is
/// `ftfy.fix_text` → `html.unescape` twice → `strip()`.
struct TextCleaner: Sendable {
    let ftfy: FtfyFixer

    init(entities: HTMLEntities) {
        ftfy = FtfyFixer(html: HTMLUnescaper(entities: entities))
    }

    /// Cleaned, lower-cased text as Unicode scalars (Python code points).
    func clean(_ text: String) -> [Unicode.Scalar] {
        Self.pythonLower(Self.collapseWhitespace(basicClean(text)))
    }

    /// open_clip's `basic_clean` without its final `strip()`: `ftfy.fix_text`, then `html.unescape` twice.
    func basicClean(_ text: String) -> [Unicode.Scalar] {
        var t = Array(text.unicodeScalars)
        // Printable ASCII without '&' is left unchanged by every ftfy and unescape step.
        if !t.allSatisfy({ (0x20...0x7E).contains($0.value) && $0 != "&" }) {
            t = ftfy.fixText(t)
            t = ftfy.html.pythonUnescape(ftfy.html.pythonUnescape(t))
        }
        return t
    }

    /// Python `str.isspace()`.
    static func isPythonSpace(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// `" ".join(text.split())` (also covers the `strip()` calls).
    static func collapseWhitespace(_ t: [Unicode.Scalar]) -> [Unicode.Scalar] {
        Array(t.split(whereSeparator: isPythonSpace).joined(separator: [" "]))
    }

    /// Python `str.lower()`: full lower-case mappings plus CPython's Final_Sigma rule.
    static func pythonLower(_ t: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(t.count)
        for (i, s) in t.enumerated() {
            if s.isASCII {
                let v = s.value
                out.append((0x41...0x5A).contains(v) ? Unicode.Scalar(UInt8(v + 32)) : s)
            } else if s.value == 0x3A3 {
                out.append(isFinalSigma(t, at: i) ? "\u{3C2}" : "\u{3C3}")
            } else {
                out += s.properties.lowercaseMapping.unicodeScalars
            }
        }
        return out
    }

    /// `\p{cased}\p{case-ignorable}* Σ !(\p{case-ignorable}* \p{cased})`, as CPython checks it.
    private static func isFinalSigma(_ t: [Unicode.Scalar], at i: Int) -> Bool {
        var j = i - 1
        while j >= 0, t[j].properties.isCaseIgnorable { j -= 1 }
        guard j >= 0, t[j].properties.isCased else { return false }
        j = i + 1
        while j < t.count, t[j].properties.isCaseIgnorable { j += 1 }
        return j == t.count || !t[j].properties.isCased
    }
}
