import CClipzKernels
import ClipzCore

/// Linear weights [out × in] packed once into the panel layout of `clipz_f32_gemm_packed` (32 output
/// columns per panel, k-major), 64-byte aligned so every fp32 panel row is one cache line pair. fp16
/// and bf16 weights stay 16-bit in the same panels (`clipz_f16_gemm_packed` / `clipz_bf16_gemm_packed`
/// widen one panel at a time as they run): half the memory, and the same results as widened weights.
/// Holds the layer's only copy of its weights (in a `WeightBuffer`); `unpacked()` rebuilds the [out × in] fp32
/// matrix on demand.
final class PackedWeights {
    enum Element {
        case f32, f16, bf16
        /// .f16 or .bf16 for those dtypes, else nil.
        init?(sixteenBit dtype: DType?) {
            switch dtype {
            case .f16?: self = .f16
            case .bf16?: self = .bf16
            default: return nil
            }
        }
    }
    let element: Element
    let outDim: Int
    let inDim: Int
    private let storage: WeightBuffer

    var f32Pointer: UnsafePointer<Float> { UnsafePointer(storage.pointer(to: Float.self)) }
    /// fp16 or bf16 bits.
    var halfPointer: UnsafePointer<UInt16> { UnsafePointer(storage.pointer(to: UInt16.self)) }
    var bytes: Int { storage.bytes }

    /// Packs fp32 `weights` ([outDim × inDim], row-major) of `layer` (named in an out-of-memory error).
    init(_ weights: [Float], outDim: Int, inDim: Int, layer: String) throws {
        (element, self.outDim, self.inDim) = (.f32, outDim, inDim)
        storage = try WeightBuffer(bytes: Kernels.f32PackedFloats(outDim: outDim, inDim: inDim) * 4, for: layer)
        weights.withUnsafeBufferPointer { clipz_f32_pack($0.baseAddress, Int32(outDim), Int32(inDim), storage.pointer(to: Float.self)) }
    }

    /// Packs 16-bit weights (`element` .f16 or .bf16) given as their bits ([outDim × inDim], row-major).
    init(half bits: UnsafeBufferPointer<UInt16>, element: Element, outDim: Int, inDim: Int, layer: String) throws {
        precondition(element != .f32)
        (self.element, self.outDim, self.inDim) = (element, outDim, inDim)
        storage = try WeightBuffer(bytes: Kernels.f32PackedFloats(outDim: outDim, inDim: inDim) * 2, for: layer)
        clipz_half_pack(bits.baseAddress, Int32(outDim), Int32(inDim), storage.pointer(to: UInt16.self))
    }

    /// Stacks layers that read the same input (q, k, v) into one: the panels of each part follow
    /// each other, which is the packing of their concatenated rows when every part's outDim is a
    /// multiple of the panel width (callers check). Nil when the parts differ in element type, or when there is no
    /// memory for the stacked copy (the parts then run as they are).
    init?(stacking parts: [PackedWeights], layer: String) {
        guard let first = parts.first, parts.allSatisfy({ $0.element == first.element }),
              let stacked = try? WeightBuffer(concatenating: parts.map(\.storage), for: layer) else { return nil }
        element = first.element
        outDim = parts.reduce(0) { $0 + $1.outDim }; inDim = first.inDim
        storage = stacked
    }

    /// The weights as fp32 [outDim × inDim], rows `first ..< first + rows`.
    func unpacked(first: Int = 0, rows: Int? = nil) -> [Float] {
        var all = [Float](repeating: 0, count: outDim * inDim)
        all.withUnsafeMutableBufferPointer { w in
            switch element {
            case .f32: clipz_f32_unpack(f32Pointer, Int32(outDim), Int32(inDim), w.baseAddress)
            case .f16, .bf16:
                var bits = [UInt16](repeating: 0, count: outDim * inDim)
                bits.withUnsafeMutableBufferPointer { clipz_half_unpack(halfPointer, Int32(outDim), Int32(inDim), $0.baseAddress) }
                bits.withUnsafeBufferPointer { Kernels.widen($0.baseAddress!, into: w.baseAddress!, count: outDim * inDim, bf16: element == .bf16) }
            }
        }
        guard first != 0 || (rows ?? outDim) != outDim else { return all }
        return Array(all[(first * inDim)..<((first + (rows ?? outDim - first)) * inDim)])
    }
}
