import CClipzKernels
import ClipzCore

/// ClipzRuntime's only door into CClipzKernels: the worker pool, the fp32 row kernels, attention,
/// and the fp32 / int8 GEMMs with their weight packing. The rest of the module speaks Swift
/// (`Activation`, `Int`, column ranges) and never imports C. Sizes are documented in
/// Sources/CClipzKernels/include/clipz_kernels.h; callers own every pointer passed here.
enum Kernels {
    // MARK: worker pool

    /// Runs `body(0..<parts)` on up to `threads` threads, the caller included, and returns when all
    /// parts are done. Parts run concurrently, so `body` must only write what its part owns. Runs on
    /// Clipz's worker pool (`clipz_parallel_for`): workers spin briefly between sections instead of
    /// being woken for each one.
    static func parallel(_ parts: Int, threads: Int, _ body: (Int) -> Void) {
        if parts <= 1 || threads <= 1 {
            for p in 0..<max(parts, 0) { body(p) }
            return
        }
        withoutActuallyEscaping(body) { escaping in
            var task = escaping
            withUnsafeMutablePointer(to: &task) { ctx in
                clipz_parallel_for(Int32(parts), Int32(threads), { ctx, part in
                    ctx!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(Int(part))
                }, ctx)
            }
        }
    }

    /// Hands freed heap memory back to the OS (glibc malloc_trim).
    static func releaseFreeMemory() { clipz_release_free_memory() }

    // MARK: fp32 row kernels

    /// LayerNorm of `rows` rows of `width` floats, x → y (x == y allowed).
    static func layerNorm(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, width: Int,
                          gamma: UnsafePointer<Float>?, beta: UnsafePointer<Float>?, eps: Float) {
        clipz_layernorm(x, y, Int32(rows), Int32(width), gamma, beta, eps)
    }

    /// LayerNorm x → y, each row then quantized into `q` (rows of round_up(width, 4) bytes, x + 128 when
    /// `i8TakesOffset`) with its scale in `scales`: per row, or the fixed `staticScale`.
    static func layerNormQuantize(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, width: Int,
                                  gamma: UnsafePointer<Float>?, beta: UnsafePointer<Float>?, eps: Float,
                                  staticScale: Float?, into q: UnsafeMutablePointer<Int8>, scales: UnsafeMutablePointer<Float>) {
        clipz_layernorm_quantize_rows(x, y, Int32(rows), Int32(width), gamma, beta, eps, staticScale ?? 0,
                                      i8TakesOffset ? 1 : 0, q, scales)
    }

    /// Applies `kind` to `count` floats in place.
    static func activate(_ x: UnsafeMutablePointer<Float>, count: Int, _ kind: Activation) {
        clipz_activation(x, count, kind.kernelCode)
    }

    /// y += x
    static func add(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) { clipz_add(y, x, count) }

    /// Attention of one (sequence, head): q, k, v are [seq, headDim] with row stride `ld`, `out` has
    /// row stride `ldo`; `scratch` holds `attentionScratchFloats(seq:headDim:)` floats. `bf16`: both
    /// products take bfloat16 inputs where the CPU has AVX512_BF16 (int8 models; fp32 elsewhere).
    static func attentionHead(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                              out: UnsafeMutablePointer<Float>, seq: Int, headDim: Int, ld: Int, ldo: Int,
                              scratch: UnsafeMutablePointer<Float>, causal: Bool, scale: Float, bf16: Bool) {
        let run = bf16 ? clipz_attention_head_bf16 : clipz_attention_head
        run(q, k, v, out, Int32(seq), Int32(headDim), Int32(ld), Int32(ldo), scratch, causal ? 1 : 0, scale)
    }

    /// Scratch floats `attentionHead` needs.
    static func attentionScratchFloats(seq: Int, headDim: Int) -> Int {
        clipz_attention_scratch_floats(Int32(seq), Int32(headDim))
    }

    // MARK: fp32 GEMM

    /// True when the process has an address-space limit: OpenBLAS must then be called from one thread.
    static let blasSingleCaller = clipz_blas_single_caller() != 0

    /// y[rows, n] = x[rows, inDim] · w[n, inDim]ᵀ through OpenBLAS sgemm; y has row stride `ldy`.
    static func sgemm(x: UnsafePointer<Float>, rows: Int, inDim: Int, w: UnsafePointer<Float>, n: Int,
                      y: UnsafeMutablePointer<Float>, ldy: Int) {
        clipz_sgemm(1, Int32(rows), Int32(n), Int32(inDim), 1, x, Int32(inDim), w, Int32(inDim), 0, y, Int32(ldy))
    }

    /// Output columns per panel of packed fp32 weights.
    static let f32PanelWidth = Int(CLIPZ_F32_NR)
    /// True when `gemmPacked` has a SIMD path on this CPU (AVX-512F, AVX2 + FMA, aarch64 NEON); OpenBLAS runs otherwise.
    static let f32PackedAvailable = clipz_f32_packed_available() != 0

    /// Elements (fp32 or 16-bit) the packed form of an [outDim × inDim] matrix takes.
    static func f32PackedFloats(outDim: Int, inDim: Int) -> Int { clipz_f32_packed_floats(Int32(outDim), Int32(inDim)) }

    /// y[r, n] = act(x[r] · W[n] + bias[n]) (+ y[r, n] when `accumulate`) for n in `columns` (starting
    /// on a panel boundary), W the packed fp32, fp16 or bf16 weights; y has row stride outDim.
    static func gemmPacked(x: UnsafePointer<Float>, rows: Int, weights w: PackedWeights, bias: UnsafePointer<Float>?,
                           y: UnsafeMutablePointer<Float>, columns: Range<Int>, accumulate: Bool, activation: Activation?) {
        let (m, k, n) = (Int32(rows), Int32(w.inDim), Int32(w.outDim))
        let (n0, n1, acc) = (Int32(columns.lowerBound), Int32(columns.upperBound), Int32(accumulate ? 1 : 0))
        switch w.element {
        case .f32: clipz_f32_gemm_packed(x, m, k, k, w.f32Pointer, bias, y, n, n, n0, n1, acc, activation.kernelCode)
        case .f16: clipz_f16_gemm_packed(x, m, k, k, w.halfPointer, bias, y, n, n, n0, n1, acc, activation.kernelCode)
        case .bf16: clipz_bf16_gemm_packed(x, m, k, k, w.halfPointer, bias, y, n, n, n0, n1, acc, activation.kernelCode)
        }
    }

    /// fp16 (or bf16) bits widened to fp32.
    static func widen(_ bits: UnsafePointer<UInt16>, into out: UnsafeMutablePointer<Float>, count: Int, bf16: Bool) {
        if bf16 { clipz_bf16_to_f32(bits, out, count) } else { clipz_f16_to_f32(bits, out, count) }
    }

    // MARK: int8 GEMM

    /// Output channels per block of packed int8 weights.
    static let i8BlockWidth = Int(CLIPZ_I8_NBLOCK)
    /// The int8 kernel takes activations as x + 128 (VNNI): quantize, then `i8Offset` once.
    static let i8TakesOffset = clipz_i8_takes_offset() != 0
    /// Name of the int8 kernel this CPU runs ("avx512-vnni", "avx2", "neon-i8mm", "neon-sdot", "scalar").
    static var i8KernelName: String { String(cString: clipz_i8_kernel_name()) }

    /// Bytes the packed form of an [outDim × inDim] int8 matrix takes.
    static func i8PackedBytes(outDim: Int, inDim: Int) -> Int { clipz_i8_packed_bytes(Int32(outDim), Int32(inDim)) }

    /// Packs int8 weights and their per-channel sums. Returns true when every weight lies in [-64, 63]
    /// (7-bit weights: the AVX2 kernel then multiplies offset activations directly).
    static func i8Pack(_ w: UnsafePointer<Int8>?, outDim: Int, inDim: Int, into packed: UnsafeMutablePointer<Int8>?,
                       colsum: UnsafeMutablePointer<Int32>?) -> Bool {
        clipz_i8_pack(w, Int32(outDim), Int32(inDim), packed, colsum) != 0
    }

    /// Quantizes `rows` rows of `inDim` floats into rows of round_up(inDim, 4) bytes: per row scales
    /// written to `scales`, or one fixed `staticScale` (calibrated W8A8).
    static func quantizeRows(_ x: UnsafePointer<Float>, rows: Int, inDim: Int, into q: UnsafeMutablePointer<Int8>,
                             scales: UnsafeMutablePointer<Float>, staticScale: Float?) {
        if let staticScale {
            clipz_quantize_rows_static(x, Int32(rows), Int32(inDim), 1 / staticScale, q)
            for i in 0..<rows { scales[i] = staticScale }
        } else {
            clipz_quantize_rows(x, Int32(rows), Int32(inDim), q, scales)
        }
    }

    /// Flips `count` int8 values to unsigned x + 128 in place (what the VNNI kernel reads).
    static func i8Offset(_ q: UnsafeMutablePointer<Int8>, count: Int) {
        let u = UnsafeMutableRawPointer(q).assumingMemoryBound(to: UInt8.self)
        clipz_i8_offset(u, u, count)
    }

    /// y[r, n] = act(sx[r] · sw[n] · Σ xq[r]·W[n] + bias[n]) (+ y when `accumulate`) for n in `columns`
    /// (block aligned); `xq` is stored offset (x + 128) when `i8TakesOffset`; `narrow` is `i8Pack`'s result.
    static func i8GEMM(xq: UnsafePointer<Int8>?, sx: UnsafePointer<Float>?, rows: Int, inDim: Int,
                       packed: UnsafePointer<Int8>?, colsum: UnsafePointer<Int32>?, narrow: Bool, scales: UnsafePointer<Float>?,
                       bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>, outDim: Int, columns: Range<Int>,
                       accumulate: Bool, activation: Activation?) {
        let n0 = Int32(columns.lowerBound), n1 = Int32(columns.upperBound), act = activation.kernelCode
        if i8TakesOffset {
            let xu = UnsafeRawPointer(xq)?.assumingMemoryBound(to: UInt8.self)
            clipz_i8_gemm_offset(xu, sx, Int32(rows), Int32(inDim), packed, colsum, narrow ? 1 : 0, scales, bias, y,
                                 Int32(outDim), Int32(outDim), n0, n1, accumulate ? 1 : 0, act)
        } else {
            clipz_i8_gemm(xq, sx, Int32(rows), Int32(inDim), packed, colsum, scales, bias, y,
                          Int32(outDim), Int32(outDim), n0, n1, accumulate ? 1 : 0, act)
        }
    }
}

extension Activation {
    /// The kernels' code for this activation.
    fileprivate var kernelCode: clipz_act {
        switch self {
        case .quickGELU: return CLIPZ_ACT_QUICK_GELU
        case .gelu: return CLIPZ_ACT_GELU
        case .geluTanh: return CLIPZ_ACT_GELU_TANH
        }
    }
}

extension Optional<Activation> {
    /// The kernels' code for an optional epilogue activation (CLIPZ_ACT_NONE for nil).
    fileprivate var kernelCode: clipz_act { map(\.kernelCode) ?? CLIPZ_ACT_NONE }
}

extension CLIPModel {
    /// Name of the int8 GEMM kernel this CPU runs ("avx512-vnni", "avx2", "neon-i8mm", "neon-sdot", "scalar").
    public static var int8KernelName: String { Kernels.i8KernelName }

    /// The int8 kernel this model's layers run here: "avx2-7bit" where AVX2 multiplies every int8 layer's
    /// 7-bit weights with its shorter sequence, else `int8KernelName`.
    public var int8KernelName: String { Self.int8KernelName == "avx2" && int8WeightsAreNarrow ? "avx2-7bit" : Self.int8KernelName }

    /// True when every int8 layer's weights fit 7 bits (-64...63), e.g. `clipz quantize --weight-bits 7`.
    public var int8WeightsAreNarrow: Bool { linears.values.contains(where: \.isInt8) && linears.values.allSatisfy { !$0.isInt8 || $0.hasNarrowWeights } }
}
