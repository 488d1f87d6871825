import CClipzKernels

/// Which kernel each kind of work runs on this CPU (after CLIPZ_CPU_DISABLE), for `clipz system`,
/// benchmarks and test logs.
public enum KernelPaths {
    /// fp32 GEMM: Clipz's packed kernel (AVX-512, AVX2 or NEON), else OpenBLAS with its core name.
    public static var fp32GEMM: String {
        clipz_f32_packed_available() != 0 ? "packed-" + String(cString: clipz_f32_kernel_name()) : "openblas-" + BLAS.coreName.lowercased()
    }
    /// int8 GEMM kernel name ("avx512-vnni", "avx2", "neon-i8mm", "neon-sdot", "scalar").
    public static var int8GEMM: String { String(cString: clipz_i8_kernel_name()) }
    /// Attention: AVX-512 tiles (the last channels of head sizes that are not multiples of 16 masked), else AVX2 or generic.
    public static var attention: String { ["generic", "avx2", "avx512"][Int(clipz_ops_level())] }
    /// Attention in int8 models: bf16 products on CPUs with AVX512_BF16 (even head sizes from 16), else `attention`.
    public static var attentionInt8: String { clipz_attention_bf16_available() != 0 ? "avx512-bf16" : attention }
    /// LayerNorm, activations, adds and row quantization.
    public static var elementwise: String { ["baseline", "avx2", "avx512"][Int(clipz_ops_level())] }
    public static var all: [(String, String)] {
        [("fp32_gemm", fp32GEMM), ("int8_gemm", int8GEMM), ("attention", attention), ("attention_int8", attentionInt8),
         ("elementwise", elementwise)]
    }
    public static var summary: String { all.map { "\($0.0) \($0.1)" }.joined(separator: ", ") }
}
