import ClipzCore
import Foundation

/// Element-wise and row-wise kernels of the forward pass (fp32).
enum Ops {
    /// LayerNorm over rows of width `w`: y = (x - mean) / sqrt(var + eps) * gamma + beta. In place allowed.
    static func layerNorm(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, width w: Int,
                          gamma: [Float], beta: [Float], eps: Float) {
        gamma.withUnsafeBufferPointer { g in beta.withUnsafeBufferPointer { b in
            for r in 0..<rows {
                let xr = x + r * w, yr = y + r * w
                var mean: Float = 0
                for i in 0..<w { mean += xr[i] }
                mean /= Float(w)
                var v: Float = 0
                for i in 0..<w { let d = xr[i] - mean; v += d * d }
                let inv = 1 / (v / Float(w) + eps).squareRoot()
                for i in 0..<w { yr[i] = (xr[i] - mean) * inv * g[i] + b[i] }
            }
        } }
    }

    /// Row-wise softmax in place; `validCols(row)` columns take part, the rest become 0 (causal masking).
    static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, validCols: (Int) -> Int) {
        for r in 0..<rows {
            let p = x + r * cols, n = validCols(r)
            var m = -Float.infinity
            for i in 0..<n { m = max(m, p[i]) }
            var sum: Float = 0
            for i in 0..<n { let e = expf(p[i] - m); p[i] = e; sum += e }
            let inv = 1 / sum
            for i in 0..<n { p[i] *= inv }
            for i in n..<cols { p[i] = 0 }
        }
    }

    static func activate(_ x: UnsafeMutablePointer<Float>, count: Int, _ kind: Activation) {
        switch kind {
        case .quickGELU: for i in 0..<count { let v = x[i]; x[i] = v / (1 + expf(-1.702 * v)) }
        case .gelu: for i in 0..<count { let v = x[i]; x[i] = 0.5 * v * (1 + erff(v * 0.70710678118654752)) }
        case .geluTanh:
            for i in 0..<count { let v = x[i]; x[i] = 0.5 * v * (1 + tanhf(0.7978845608028654 * (v + 0.044715 * v * v * v))) }
        }
    }

    /// y += x
    static func addInPlace(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { y[i] += x[i] }
    }

    /// Scales each row to unit L2 norm.
    public static func l2Normalize(_ v: inout [Float], rows: Int, width: Int) {
        v.withUnsafeMutableBufferPointer { p in
            for r in 0..<rows {
                var s: Float = 0
                for i in 0..<width { s += p[r * width + i] * p[r * width + i] }
                let inv = s > 0 ? 1 / s.squareRoot() : 0
                for i in 0..<width { p[r * width + i] *= inv }
            }
        }
    }
}
