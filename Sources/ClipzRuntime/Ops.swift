import ClipzCore

/// Row-wise passes of the forward pass (fp32).
enum Ops {
    /// LayerNorm of `rows` rows of `width` floats, x → y (x == y allowed), row ranges in parallel.
    static func layerNorm(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, width w: Int,
                          gamma: [Float], beta: [Float], eps: Float, threads: Int) {
        gamma.withUnsafeBufferPointer { g in beta.withUnsafeBufferPointer { b in
            parallelRows(rows, work: rows * w, threads: threads) { r0, r1 in
                Kernels.layerNorm(x + r0 * w, y + r0 * w, rows: r1 - r0, width: w, gamma: g.baseAddress,
                                  beta: b.baseAddress, eps: eps)
            }
        } }
    }

    /// Runs `body(firstRow, endRow)` on contiguous row ranges, one per thread when the pass is big
    /// enough to pay for waking threads (a batch of images), else once on the caller's thread.
    /// Row-wise passes left serial would idle every other core while they run.
    static func parallelRows(_ rows: Int, work: Int, threads: Int, _ body: (Int, Int) -> Void) {
        let parts = work >= 65_536 ? max(1, min(threads, rows)) : 1
        if parts == 1 { body(0, rows); return }
        Kernels.parallel(parts, threads: threads) { p in body(rows * p / parts, rows * (p + 1) / parts) }
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
