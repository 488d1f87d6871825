import ClipzCore

/// Symmetric per-channel int8 quantization of weights and its error.
public enum WeightQuantization {
    /// Quantizes rows (axis 0) of a [out, …] float tensor: scale[o] = max|W[o]| / 127, q = round(W / scale).
    /// - Returns: the i8 tensor (same name and shape), the f32 scale tensor `<name>.scale` [out], and
    ///   the relative Frobenius error ‖W − dequant(q)‖ / ‖W‖.
    public static func perChannel(_ w: Tensor) throws -> (weights: Tensor, scale: Tensor, relativeError: Double) {
        let values = w.floats()
        let rows = w.shape.first ?? 1
        let cols = rows == 0 ? 0 : values.count / rows
        var q = [UInt8](repeating: 0, count: values.count)
        var scales = [Float](repeating: 1, count: rows)
        var err = 0.0, norm = 0.0
        for r in 0..<rows {
            var mx: Float = 0
            for c in 0..<cols { mx = max(mx, abs(values[r * cols + c])) }
            let s = mx > 0 ? mx / 127 : 1
            scales[r] = s
            for c in 0..<cols {
                let v = values[r * cols + c]
                let qi = max(-127, min(127, Int((v / s).rounded(.toNearestOrEven))))
                q[r * cols + c] = UInt8(bitPattern: Int8(qi))
                let d = Double(v) - Double(Float(qi) * s)
                err += d * d; norm += Double(v) * Double(v)
            }
        }
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

    /// Relative error of converting to a 16-bit float type.
    public static func halfError(_ w: Tensor, to dtype: DType) throws -> Double {
        let a = w.floats(), b = try w.converted(to: dtype).floats()
        var err = 0.0, norm = 0.0
        for (x, y) in zip(a, b) { let d = Double(x) - Double(y); err += d * d; norm += Double(x) * Double(x) }
        return norm > 0 ? (err / norm).squareRoot() : 0
    }
}
