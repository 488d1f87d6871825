import CClipzKernels
import ClipzCore
import Foundation

/// Splits an int8 GEMM over output-column chunks across threads.
enum Int8GEMM {
    nonisolated(unsafe) static var threads = ProcessInfo.processInfo.activeProcessorCount
    /// The kernel takes activations as x + 128 (VNNI): `xq` passed to `run` is stored that way.
    static let offsetActivations = clipz_i8_takes_offset() != 0

    static func run(xq: [Int8], sx: [Float], rows: Int, inDim: Int, packed: [Int8], colsum: [Int32], scales: [Float],
                    bias: [Float]?, y: UnsafeMutablePointer<Float>, outDim: Int, accumulate: Bool = false, activation: Activation? = nil) {
        let act = activation.map(F32GEMM.kernelActivation) ?? Int32(CLIPZ_ACT_NONE)
        let blocks = (outDim + 31) / 32
        let parts = max(1, min(threads, blocks, (rows * outDim * inDim) / 200_000 + 1))
        let biasValues = bias ?? []
        xq.withUnsafeBufferPointer { xp in sx.withUnsafeBufferPointer { sp in packed.withUnsafeBufferPointer { pp in
            colsum.withUnsafeBufferPointer { cp in scales.withUnsafeBufferPointer { wp in biasValues.withUnsafeBufferPointer { bv in
                // Addresses as integers so the work closure is Sendable; the buffers outlive the parallel section.
                let a = (x: Int(bitPattern: xp.baseAddress), s: Int(bitPattern: sp.baseAddress), p: Int(bitPattern: pp.baseAddress),
                         c: Int(bitPattern: cp.baseAddress), w: Int(bitPattern: wp.baseAddress),
                         b: bias == nil ? 0 : Int(bitPattern: bv.baseAddress), y: Int(bitPattern: y))
                let body: @Sendable (Int) -> Void = { part in
                    let b0 = blocks * part / parts, b1 = blocks * (part + 1) / parts
                    let n0 = Int32(b0 * 32), n1 = Int32(min(outDim, b1 * 32))
                    if offsetActivations {
                        clipz_i8_gemm_offset(UnsafePointer(bitPattern: a.x), UnsafePointer(bitPattern: a.s), Int32(rows), Int32(inDim),
                                             UnsafePointer(bitPattern: a.p), UnsafePointer(bitPattern: a.c), UnsafePointer(bitPattern: a.w),
                                             UnsafePointer(bitPattern: a.b), UnsafeMutablePointer(bitPattern: a.y), Int32(outDim), Int32(outDim),
                                             n0, n1, accumulate ? 1 : 0, act)
                    } else {
                        clipz_i8_gemm(UnsafePointer(bitPattern: a.x), UnsafePointer(bitPattern: a.s), Int32(rows), Int32(inDim),
                                      UnsafePointer(bitPattern: a.p), UnsafePointer(bitPattern: a.c), UnsafePointer(bitPattern: a.w),
                                      UnsafePointer(bitPattern: a.b), UnsafeMutablePointer(bitPattern: a.y), Int32(outDim), Int32(outDim),
                                      n0, n1, accumulate ? 1 : 0, act)
                    }
                }
                if parts == 1 { body(0) } else { Parallel.run(parts, body) }
            } } }
        } } }
    }
}

/// fp32 GEMM split over output-column slices on our own threads, each slice one single-threaded
/// OpenBLAS call: one threading model for the whole forward pass (OpenBLAS's own pool would spin
/// and compete with the attention threads between calls).
enum F32GEMM {
    /// Under an address-space limit OpenBLAS runs on the calling thread only (see clipz_blas_single_caller).
    static let singleCaller = clipz_blas_single_caller() != 0

    static func run(x: UnsafePointer<Float>, rows: Int, inDim: Int, weights: [Float], bias: [Float]?, y: UnsafeMutablePointer<Float>, outDim: Int) {
        let blocks = (outDim + 15) / 16
        let parts = singleCaller ? 1 : max(1, min(Int8GEMM.threads, blocks, (rows * outDim * inDim) / 500_000 + 1))
        let biasValues = bias ?? []
        weights.withUnsafeBufferPointer { wp in biasValues.withUnsafeBufferPointer { bv in
            let a = (x: Int(bitPattern: x), w: Int(bitPattern: wp.baseAddress), b: bias == nil ? 0 : Int(bitPattern: bv.baseAddress), y: Int(bitPattern: y))
            let body: @Sendable (Int) -> Void = { part in
                let n0 = blocks * part / parts * 16, n1 = min(outDim, blocks * (part + 1) / parts * 16)
                guard n1 > n0 else { return }
                let yp = UnsafeMutablePointer<Float>(bitPattern: a.y)! + n0
                clipz_sgemm(1, Int32(rows), Int32(n1 - n0), Int32(inDim), 1, UnsafePointer(bitPattern: a.x), Int32(inDim),
                            UnsafePointer<Float>(bitPattern: a.w)! + n0 * inDim, Int32(inDim), 0, yp, Int32(outDim))
                if a.b != 0 {
                    let bp = UnsafePointer<Float>(bitPattern: a.b)! + n0
                    for r in 0..<rows { let row = yp + r * outDim; for j in 0..<(n1 - n0) { row[j] += bp[j] } }
                }
            }
            if parts == 1 { body(0) } else { Parallel.run(parts, body) }
        } }
    }
}

extension F32GEMM {
    /// y = act(x·Wᵀ + b) (+ y) on packed weights, 32-column panels split evenly over threads.
    static func runPacked(x: UnsafePointer<Float>, rows: Int, weights: PackedF32, bias: [Float]?, y: UnsafeMutablePointer<Float>,
                          accumulate: Bool, activation: Activation?) {
        let inDim = weights.inDim, outDim = weights.outDim
        let panels = (outDim + Int(CLIPZ_F32_NR) - 1) / Int(CLIPZ_F32_NR)
        let parts = max(1, min(Int8GEMM.threads, panels, (rows * outDim * inDim) / 500_000 + 1))
        let act = activation.map(kernelActivation) ?? Int32(CLIPZ_ACT_NONE)
        let biasValues = bias ?? []
        biasValues.withUnsafeBufferPointer { bv in
            let a = (x: Int(bitPattern: x), w: Int(bitPattern: weights.pointer), b: bias == nil ? 0 : Int(bitPattern: bv.baseAddress),
                     y: Int(bitPattern: y))
            let body: @Sendable (Int) -> Void = { part in
                let n0 = panels * part / parts * Int(CLIPZ_F32_NR), n1 = min(outDim, panels * (part + 1) / parts * Int(CLIPZ_F32_NR))
                clipz_f32_gemm_packed(UnsafePointer(bitPattern: a.x), Int32(rows), Int32(inDim), Int32(inDim),
                                      UnsafePointer(bitPattern: a.w), UnsafePointer(bitPattern: a.b), UnsafeMutablePointer(bitPattern: a.y),
                                      Int32(outDim), Int32(outDim), Int32(n0), Int32(n1), accumulate ? 1 : 0, act)
            }
            if parts == 1 { body(0) } else { Parallel.run(parts, body) }
        }
        withExtendedLifetime(weights) {}
    }

    /// The CLIPZ_ACT_* code of an activation.
    static func kernelActivation(_ kind: Activation) -> Int32 {
        switch kind {
        case .quickGELU: return Int32(CLIPZ_ACT_QUICK_GELU)
        case .gelu: return Int32(CLIPZ_ACT_GELU)
        case .geluTanh: return Int32(CLIPZ_ACT_GELU_TANH)
        }
    }
}
