import CClipzKernels

/// The memory that holds a layer's packed weights (fp32 or 16-bit panels, int8 blocks): 64-byte aligned, and
/// from 2 MiB up a mapping that asks the kernel for transparent huge pages (`clipz_weights_alloc`). A GEMM at
/// batch 1 streams every weight once per forward pass; on 4 KiB pages that is a TLB miss every 4 KiB.
final class WeightBuffer {
    let bytes: Int
    let base: UnsafeMutableRawPointer

    /// Uninitialised memory for `bytes` bytes.
    init(bytes: Int) {
        guard let p = clipz_weights_alloc(bytes) else { fatalError("out of memory: \(bytes) bytes for packed weights") }
        self.bytes = bytes
        base = p
    }

    /// The parts' bytes one after another.
    convenience init(concatenating parts: [WeightBuffer]) {
        self.init(bytes: parts.reduce(0) { $0 + $1.bytes })
        var at = base
        for p in parts { at.copyMemory(from: p.base, byteCount: p.bytes); at += p.bytes }
    }

    func pointer<T>(to: T.Type) -> UnsafeMutablePointer<T> { base.assumingMemoryBound(to: T.self) }

    deinit { clipz_weights_free(base, bytes) }
}
