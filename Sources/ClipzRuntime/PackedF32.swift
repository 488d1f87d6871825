/// fp32 weights [out × in] packed once into the panel layout of `clipz_f32_gemm_packed`
/// (32 output columns per panel, k-major), 64-byte aligned so every panel row is one cache line pair.
/// Holds the layer's only copy of its weights; `unpacked()` rebuilds the [out × in] matrix on demand.
final class PackedF32 {
    let outDim: Int
    let inDim: Int
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    /// Packs `weights` ([outDim × inDim], row-major).
    init(_ weights: [Float], outDim: Int, inDim: Int) {
        self.outDim = outDim; self.inDim = inDim
        count = Kernels.f32PackedFloats(outDim: outDim, inDim: inDim)
        pointer = PackedF32.allocate(count)
        weights.withUnsafeBufferPointer { Kernels.f32Pack($0.baseAddress, outDim: outDim, inDim: inDim, into: pointer) }
    }

    /// Stacks layers that read the same input (q, k, v) into one: the panels of each part follow
    /// each other, which is the packing of their concatenated rows when every part's outDim is a
    /// multiple of the panel width (callers check).
    init(stacking parts: [PackedF32]) {
        outDim = parts.reduce(0) { $0 + $1.outDim }; inDim = parts.first?.inDim ?? 0
        count = parts.reduce(0) { $0 + $1.count }
        pointer = PackedF32.allocate(count)
        var at = pointer
        for p in parts { at.update(from: p.pointer, count: p.count); at += p.count }
    }

    /// The weights as [outDim × inDim], rows `first ..< first + rows`.
    func unpacked(first: Int = 0, rows: Int? = nil) -> [Float] {
        var all = [Float](repeating: 0, count: outDim * inDim)
        all.withUnsafeMutableBufferPointer { Kernels.f32Unpack(pointer, outDim: outDim, inDim: inDim, into: $0.baseAddress) }
        guard first != 0 || (rows ?? outDim) != outDim else { return all }
        return Array(all[(first * inDim)..<((first + (rows ?? outDim - first)) * inDim)])
    }

    private static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer.allocate(byteCount: max(count, 16) * MemoryLayout<Float>.size, alignment: 64)
            .bindMemory(to: Float.self, capacity: max(count, 16))
    }

    deinit { pointer.deallocate() }
}
