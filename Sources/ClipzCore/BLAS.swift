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
