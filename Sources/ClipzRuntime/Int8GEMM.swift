import ClipzCore

/// An int8 GEMM split over output-column blocks across threads.
enum Int8GEMM {
    /// y = act(x·Wᵀ + b) (+ y) with activations `xq` quantized per row (scales `sx`), stored as x + 128
    /// when `Kernels.i8TakesOffset`.
    static func run(xq: [Int8], sx: [Float], rows: Int, inDim: Int, packed: WeightBuffer, colsum: [Int32], narrow: Bool, scales: [Float],
                    bias: [Float]?, y: UnsafeMutablePointer<Float>, outDim: Int, threads: Int, accumulate: Bool = false,
                    activation: Activation? = nil) {
        let blockWidth = 32
        let blocks = (outDim + blockWidth - 1) / blockWidth
        let parts = max(1, min(threads, blocks, (rows * outDim * inDim) / 200_000 + 1))
        let biasValues = bias ?? []
        xq.withUnsafeBufferPointer { xp in sx.withUnsafeBufferPointer { sp in
            colsum.withUnsafeBufferPointer { cp in scales.withUnsafeBufferPointer { wp in
                biasValues.withUnsafeBufferPointer { bv in
                    Kernels.parallel(parts, threads: threads) { part in
                        let n0 = blocks * part / parts * blockWidth
                        let n1 = min(outDim, blocks * (part + 1) / parts * blockWidth)
                        Kernels.i8GEMM(xq: xp.baseAddress, sx: sp.baseAddress, rows: rows, inDim: inDim,
                                       packed: packed.pointer(to: Int8.self), colsum: cp.baseAddress, narrow: narrow, scales: wp.baseAddress,
                                       bias: bias == nil ? nil : bv.baseAddress, y: y, outDim: outDim,
                                       columns: n0..<n1, accumulate: accumulate, activation: activation)
                    }
                }
            } }
        } }
    }
}
