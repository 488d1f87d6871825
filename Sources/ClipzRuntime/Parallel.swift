import CClipzKernels

/// Parallel sections of the forward pass, on Clipz's worker pool (`clipz_parallel_for`: workers
/// spin briefly between sections instead of being woken for each one).
enum Parallel {
    /// Runs body(0..<parts) on up to `threads` threads (the caller included) and returns when all are done.
    static func run(_ parts: Int, threads: Int = Int8GEMM.threads, _ body: (Int) -> Void) {
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
}
