import CClipzKernels

/// OpenBLAS, loaded on first use with the right core type for this CPU (see CClipzKernels/blas.c).
public enum BLAS {
    /// Loads OpenBLAS. Safe to call many times. Library users get this automatically on the first GEMM;
    /// call it early to fail fast. Returns nil on success or an explanation.
    @discardableResult
    public static func load() -> String? {
        clipz_blas_load() == 0 ? nil : String(cString: clipz_blas_error())
    }
    /// The kernel set OpenBLAS is using (e.g. "SkylakeX").
    public static var coreName: String { String(cString: clipz_blas_corename()) }
    /// The core type Clipz exported before loading, or nil when it left the choice to the user/library.
    public static var chosenCore: String? { let s = String(cString: clipz_blas_chosen_core()); return s.isEmpty ? nil : s }
    /// True when the user set OPENBLAS_CORETYPE themselves (Clipz never overrides it).
    public static var userSetCore: Bool { clipz_blas_user_core() != 0 }
    public static func setThreads(_ n: Int) { clipz_blas_set_threads(Int32(n)) }
}

/// CPU features relevant to Clipz kernels.
public struct CPUFeatures: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let avx2 = CPUFeatures(rawValue: 1 << 0), fma = CPUFeatures(rawValue: 1 << 1), f16c = CPUFeatures(rawValue: 1 << 2)
    public static let avx512f = CPUFeatures(rawValue: 1 << 3), avx512bw = CPUFeatures(rawValue: 1 << 4)
    public static let avx512vl = CPUFeatures(rawValue: 1 << 5), avx512dq = CPUFeatures(rawValue: 1 << 6)
    public static let avx512vnni = CPUFeatures(rawValue: 1 << 7), avx512bf16 = CPUFeatures(rawValue: 1 << 8)
    public static let neonDot = CPUFeatures(rawValue: 1 << 9)
    public static var current: CPUFeatures { CPUFeatures(rawValue: clipz_cpu_features()) }

    public var names: [String] {
        let all: [(CPUFeatures, String)] = [(.avx2, "avx2"), (.fma, "fma"), (.f16c, "f16c"), (.avx512f, "avx512f"), (.avx512bw, "avx512bw"),
            (.avx512vl, "avx512vl"), (.avx512dq, "avx512dq"), (.avx512vnni, "avx512vnni"), (.avx512bf16, "avx512bf16"), (.neonDot, "neon-dot")]
        return all.filter { contains($0.0) }.map { $0.1 }
    }
}

/// Which kernel each kind of work runs on this CPU (after CLIPZ_CPU_DISABLE), for `clipz system`,
/// benchmarks and test logs.
public enum KernelPaths {
    /// fp32 GEMM: Clipz's packed kernel (AVX-512 or AVX2), else OpenBLAS with its core name.
    public static var fp32GEMM: String {
        clipz_f32_packed_available() != 0 ? "packed-" + String(cString: clipz_f32_kernel_name()) : "openblas-" + BLAS.coreName.lowercased()
    }
    /// int8 GEMM kernel name ("avx512-vnni", "avx2", "neon-sdot", "scalar").
    public static var int8GEMM: String { String(cString: clipz_i8_kernel_name()) }
    /// Attention: AVX-512 for head sizes that are multiples of 16 (others take the AVX2 or generic loop).
    public static var attention: String {
        let f = CPUFeatures.current
        return f.contains(.avx512f) ? "avx512" : f.contains([.avx2, .fma]) ? "avx2" : "generic"
    }
    /// LayerNorm, activations, adds and row quantization.
    public static var elementwise: String { ["baseline", "avx2", "avx512"][Int(clipz_ops_level())] }
    public static var all: [(String, String)] {
        [("fp32_gemm", fp32GEMM), ("int8_gemm", int8GEMM), ("attention", attention), ("elementwise", elementwise)]
    }
    public static var summary: String { all.map { "\($0.0) \($0.1)" }.joined(separator: ", ") }
}
