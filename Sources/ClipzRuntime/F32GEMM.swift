import ClipzCore

/// fp32 GEMMs split over output columns on Clipz's own threads: packed weights through Clipz's
/// AVX-512, AVX2 + FMA or NEON kernel, else one single-threaded OpenBLAS call per slice — one threading model for the
/// whole forward pass (OpenBLAS's own pool would spin and compete with the attention threads).
enum F32GEMM {
    /// y = x·Wᵀ + b through OpenBLAS (CPUs without AVX2 + FMA or NEON).
    static func run(x: UnsafePointer<Float>, rows: Int, inDim: Int, weights: [Float], bias: [Float]?,
                    y: UnsafeMutablePointer<Float>, outDim: Int, threads: Int) {
        let blocks = (outDim + 15) / 16
        // Under an address-space limit OpenBLAS runs on the calling thread only (see clipz_blas_single_caller).
        let parts = Kernels.blasSingleCaller ? 1 : max(1, min(threads, blocks, (rows * outDim * inDim) / 500_000 + 1))
        weights.withUnsafeBufferPointer { wp in
            Kernels.parallel(parts, threads: threads) { part in
                let n0 = blocks * part / parts * 16, n1 = min(outDim, blocks * (part + 1) / parts * 16)
                guard n1 > n0 else { return }
                let yp = y + n0
                Kernels.sgemm(x: x, rows: rows, inDim: inDim, w: wp.baseAddress! + n0 * inDim, n: n1 - n0,
                              y: yp, ldy: outDim)
                if let bias {
                    for r in 0..<rows {
                        let row = yp + r * outDim
                        for j in 0..<(n1 - n0) { row[j] += bias[n0 + j] }
                    }
                }
            }
        }
    }

    /// y = act(x·Wᵀ + b) (+ y) on packed fp32, fp16 or bf16 weights, panels split evenly over threads.
    static func runPacked(x: UnsafePointer<Float>, rows: Int, weights: PackedWeights, bias: [Float]?,
                          y: UnsafeMutablePointer<Float>, threads: Int, accumulate: Bool, activation: Activation?) {
        let inDim = weights.inDim, outDim = weights.outDim, nr = Kernels.f32PanelWidth
        let panels = (outDim + nr - 1) / nr
        let parts = max(1, min(threads, panels, (rows * outDim * inDim) / 500_000 + 1))
        let biasValues = bias ?? []
        biasValues.withUnsafeBufferPointer { bv in
            Kernels.parallel(parts, threads: threads) { part in
                let n0 = panels * part / parts * nr, n1 = min(outDim, panels * (part + 1) / parts * nr)
                Kernels.gemmPacked(x: x, rows: rows, weights: weights, bias: bias == nil ? nil : bv.baseAddress, y: y,
                                   columns: n0..<n1, accumulate: accumulate, activation: activation)
            }
        }
        withExtendedLifetime(weights) {}
    }
}
