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
