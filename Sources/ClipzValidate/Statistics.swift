import Foundation

/// Statistics of `validate` (parity of two runs) and `bench` (latency): the one percentile definition
/// (numpy's default, linear interpolation between closest ranks) and the memory readings.
public enum Stats {
    /// Cosine similarity of each row of `a` with the same row of `b` (rows of `width` values).
    /// A zero row against a zero row counts as 1 (identical), against a non-zero row as 0.
    public static func rowCosines(_ a: [Float], _ b: [Float], width: Int) -> [Double] {
        guard width > 0, a.count == b.count else { return [] }
        let rows = a.count / width
        var out = [Double](repeating: 0, count: rows)
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in
            for r in 0..<rows {
                // Double accumulation: at cosines near 1 the interesting digits sit in the 6th place.
                var dot = 0.0, na = 0.0, nb = 0.0
                let o = r * width
                for k in 0..<width {
                    let x = Double(pa[o + k]), y = Double(pb[o + k])
                    dot += x * y; na += x * x; nb += y * y
                }
                if na == 0 && nb == 0 { out[r] = 1 } else if na == 0 || nb == 0 { out[r] = 0 } else { out[r] = dot / (na.squareRoot() * nb.squareRoot()) }
            }
        } }
        return out
    }

    /// Largest |a − b| over all elements after L2-normalising each row of both.
    public static func maxAbsDiffNormalized(_ a: [Float], _ b: [Float], width: Int) -> Double {
        guard width > 0, a.count == b.count else { return .nan }
        var m = 0.0
        for r in 0..<(a.count / width) {
            let o = r * width
            var na = 0.0, nb = 0.0
            for k in 0..<width { na += Double(a[o + k]) * Double(a[o + k]); nb += Double(b[o + k]) * Double(b[o + k]) }
            let sa = na > 0 ? 1 / na.squareRoot() : 0, sb = nb > 0 ? 1 / nb.squareRoot() : 0
            for k in 0..<width { m = max(m, abs(Double(a[o + k]) * sa - Double(b[o + k]) * sb)) }
        }
        return m
    }

    /// The q-th percentile (0...100) with linear interpolation between closest ranks (numpy's default).
    public static func percentile(_ values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let s = values.sorted()
        let pos = Swift.min(Swift.max(q, 0), 100) / 100 * Double(s.count - 1)
        let lo = Int(pos.rounded(.down)), hi = Swift.min(lo + 1, s.count - 1)
        return s[lo] + (s[hi] - s[lo]) * (pos - Double(lo))
    }

    public static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
    }

    public static func median(_ values: [Double]) -> Double { percentile(values, 50) }

    /// A "kB" line of /proc/self/status (VmHWM = peak resident set, VmRSS = current) in MB (10^6 bytes); nil off Linux.
    public static func procStatusMB(_ key: String) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 2, let kb = Double(fields[1]) { return kb * 1024 / 1e6 }
        }
        return nil
    }
}

/// Running per-layer mean cosine of hidden states (one cosine per token per sample).
struct DriftAccumulator {
    private(set) var sums: [Double] = []
    private(set) var counts: [Int] = []

    mutating func add(layer: Int, _ reference: [Float], _ candidate: [Float], width: Int) {
        guard layer >= 0, layer < 4096 else { return }
        while sums.count <= layer { sums.append(0); counts.append(0) }
        let c = Stats.rowCosines(reference, candidate, width: width)
        sums[layer] += c.reduce(0, +)
        counts[layer] += c.count
    }

    /// Mean cosine per block, in block order (NaN for a block that saw nothing).
    var means: [Double] { zip(sums, counts).map { $1 == 0 ? .nan : $0 / Double($1) } }
}
