import CClipzKernels
import ClipzCore

/// Symmetric per-channel int8 quantization of weights and its error.
public enum WeightQuantization {
    /// Bit widths `perChannel` stores: 8 (-127...127) or 7 (-63...63, what AVX2's fast int8 kernel wants).
    public static let supportedBits: ClosedRange<Int> = 7...8

    /// Quantizes rows (axis 0) of a [out, …] float tensor: scale[o] = max|W[o]| / qmax, q = round(W / scale),
    /// qmax = 2^(bits−1) − 1 (127 for 8 bits, 63 for 7).
    /// - Returns: the i8 tensor (same name and shape), the f32 scale tensor `<name>.scale` [out], and
    ///   the relative Frobenius error ‖W − dequant(q)‖ / ‖W‖.
    public static func perChannel(_ w: Tensor, bits: Int = 8) throws -> (weights: Tensor, scale: Tensor, relativeError: Double) {
        guard supportedBits.contains(bits) else { throw QuantError.badWeightBits(bits) }
        let qmax = Int32((1 << (bits - 1)) - 1)
        let rows = w.shape.first ?? 1
        let count = w.bytes.count / max(w.dtype.size, 1)
        let cols = rows == 0 ? 0 : count / rows
        var scales = [Float](repeating: 1, count: rows)
        var err = 0.0, norm = 0.0
        let quantize = { (values: UnsafeBufferPointer<Float>) -> [UInt8] in
            [UInt8](unsafeUninitializedCapacity: values.count) { q, n in
                scales.withUnsafeMutableBufferPointer { s in
                    q.withMemoryRebound(to: Int8.self) { q8 in
                        clipz_quantize_weights(values.baseAddress, rows, cols, qmax, q8.baseAddress, s.baseAddress, &err, &norm)
                    }
                }
                n = values.count
            }
        }
        // f32 straight from the tensor's bytes; 16-bit floats widened first.
        let q = w.dtype == .f32 ? w.bytes.withUnsafeBytes { quantize($0.bindMemory(to: Float.self)) }
                                : w.floats().withUnsafeBufferPointer { quantize($0) }
        return (try Tensor(name: w.name, dtype: .i8, shape: w.shape, bytes: q),
                try Tensor(name: w.name + ".scale", shape: [rows], floats: scales),
                norm > 0 ? (err / norm).squareRoot() : 0)
    }

    /// Float values of an i8 tensor with per-row scales.
    public static func dequantize(_ q: Tensor, scale: Tensor) throws -> Tensor {
        let s = scale.floats(), v = q.floats()
        let rows = q.shape.first ?? 1, cols = rows == 0 ? 0 : v.count / rows
        guard s.count == rows else { throw CoreError.sizeMismatch(tensor: scale.name, expected: rows * 4, actual: scale.bytes.count) }
        var out = [Float](repeating: 0, count: v.count)
        for r in 0..<rows { for c in 0..<cols { out[r * cols + c] = v[r * cols + c] * s[r] } }
        return try Tensor(name: q.name, shape: q.shape, floats: out)
    }

    /// The tensor converted to a 16-bit float type, and the relative error of that conversion
    /// (converted once: the error is measured on the tensor that is returned).
    public static func half(_ w: Tensor, to dtype: DType) throws -> (tensor: Tensor, relativeError: Double) {
        let converted = try w.converted(to: dtype)
        let a = w.floats(), b = converted.floats()
        var err = 0.0, norm = 0.0
        a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in
            for i in 0..<min(a.count, b.count) { let d = Double(a[i]) - Double(b[i]); err += d * d; norm += Double(a[i]) * Double(a[i]) }
        } }
        return (converted, norm > 0 ? (err / norm).squareRoot() : 0)
    }
}
