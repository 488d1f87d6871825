import CClipzKernels

/// The memory that holds a layer's packed weights (fp32 or 16-bit panels, int8 blocks): 64-byte aligned, and
/// from 2 MiB up a mapping that asks the kernel for transparent huge pages (`clipz_weights_alloc`). A GEMM at
/// batch 1 streams every weight once per forward pass; on 4 KiB pages that is a TLB miss every 4 KiB.
final class WeightBuffer {
    let bytes: Int
    let base: UnsafeMutableRawPointer

    /// Uninitialised memory for `bytes` bytes of `layer`'s weights; throws `RuntimeError.outOfMemory` when there is none.
    init(bytes: Int, for layer: String) throws {
        guard let p = clipz_weights_alloc(bytes) else { throw RuntimeError.outOfMemory(layer: layer, bytes: bytes) }
        self.bytes = bytes
        base = p
    }

    /// The parts' bytes one after another.
    convenience init(concatenating parts: [WeightBuffer], for layer: String) throws {
        try self.init(bytes: parts.reduce(0) { $0 + $1.bytes }, for: layer)
        var at = base
        for p in parts { at.copyMemory(from: p.base, byteCount: p.bytes); at += p.bytes }
    }

    func pointer<T>(to: T.Type) -> UnsafeMutablePointer<T> { base.assumingMemoryBound(to: T.self) }

    deinit { clipz_weights_free(base, bytes) }
}
