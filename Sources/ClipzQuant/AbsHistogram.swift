import Foundation

/// Chooses a clipping threshold for |x| from a histogram over [0, maxValue].
public struct AbsHistogram: Sendable {
    public var bins: [Double]
    public let maxValue: Float
    public init(maxValue: Float, bins: Int = 2048) { self.maxValue = max(maxValue, 1e-12); self.bins = [Double](repeating: 0, count: bins) }

    public mutating func add(_ x: UnsafeBufferPointer<Float>, scale: [Float]? = nil) {
        let n = bins.count, inv = Float(n) / maxValue
        let k = scale?.count ?? 0
        for i in 0..<x.count {
            var v = abs(x[i])
            if let scale { v /= scale[i % k] }
            // NaN and values past the top (or +∞) count in the last bin; Int(_:) of either would trap.
            let f = v * inv
            bins[f < Float(n - 1) ? Int(f) : n - 1] += 1
        }
    }

    var binWidth: Double { Double(maxValue) / Double(bins.count) }

    /// The value below which `p` percent of |x| fall.
    public func percentile(_ p: Double) -> Float {
        let total = bins.reduce(0, +)
        guard total > 0 else { return maxValue }
        var acc = 0.0
        for (i, c) in bins.enumerated() {
            acc += c
            if acc >= total * p / 100 { return Float(Double(i + 1) * binWidth) }
        }
        return maxValue
    }

    /// The threshold minimising the expected squared error of symmetric int8 quantization
    /// (rounding noise inside, clipping error outside), searched over bin edges.
    public func minimumMSE() -> Float {
        let w = binWidth
        var best = (err: Double.infinity, t: maxValue)
        let candidates = stride(from: bins.count / 16, through: bins.count, by: max(1, bins.count / 256))
        for edge in candidates {
            let t = Double(edge) * w, step = t / 127
            var err = 0.0
            for (i, c) in bins.enumerated() where c > 0 {
                let center = (Double(i) + 0.5) * w
                err += center > t ? c * (center - t) * (center - t) : c * step * step / 12
            }
            if err < best.err { best = (err, Float(t)) }
        }
        return best.t
    }

    /// KL-divergence threshold (the TensorRT-style entropy calibration), over 128 quantized levels.
    public func minimumKL() -> Float {
        let n = bins.count, levels = 128
        guard n >= levels * 2, bins.reduce(0, +) > 0 else { return maxValue }
        var best = (kl: Double.infinity, t: maxValue)
        for edge in stride(from: levels, through: n, by: max(1, n / 128)) {
            var p = Array(bins[0..<edge])
            p[edge - 1] += bins[edge...].reduce(0, +)
            let per = Double(edge) / Double(levels)
            var q = [Double](repeating: 0, count: edge)
            for l in 0..<levels {
                let a = Int(Double(l) * per), b = max(a + 1, Int(Double(l + 1) * per))
                let slice = bins[a..<min(b, edge)]
                let nonzero = slice.filter { $0 > 0 }.count
                let total = slice.reduce(0, +)
                if nonzero > 0 { for i in a..<min(b, edge) where bins[i] > 0 { q[i] = total / Double(nonzero) } }
            }
            let ps = p.reduce(0, +), qs = q.reduce(0, +)
            guard ps > 0, qs > 0 else { continue }
            var kl = 0.0
            for i in 0..<edge where p[i] > 0 {
                let pi = p[i] / ps, qi = max(q[i] / qs, 1e-12)
                kl += pi * log(pi / qi)
            }
            if kl < best.kl { best = (kl, Float(Double(edge) * binWidth)) }
        }
        return best.t
    }
}
