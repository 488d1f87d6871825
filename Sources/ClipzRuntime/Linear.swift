import CClipzKernels
import ClipzCore

/// A linear layer y = x Wᵀ + b with W stored [out, in] (canonical layout).
/// Weights are fp32 (converted from f16/bf16 at load).
final class Linear {
    let outDim: Int
    let inDim: Int
    let weight: [Float]
    let bias: [Float]?

    init(weight: Tensor, bias: Tensor?) throws {
        guard weight.shape.count >= 2 else { throw RuntimeError.badWeights("'\(weight.name)' must be 2-D, got \(weight.shape)") }
        outDim = weight.shape[0]
        inDim = weight.shape.dropFirst().reduce(1, *)
        self.weight = weight.floats()
        if let bias {
            guard bias.elementCount == outDim else { throw RuntimeError.badWeights("'\(bias.name)' has \(bias.elementCount) values, expected \(outDim)") }
            self.bias = bias.floats()
        } else { self.bias = nil }
    }

    /// y[rows, out] = x[rows, in] · Wᵀ (+ b)
    func forward(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>) {
        weight.withUnsafeBufferPointer { w in
            clipz_sgemm(1, Int32(rows), Int32(outDim), Int32(inDim), 1, x, Int32(inDim), w.baseAddress, Int32(inDim), 0, y, Int32(outDim))
        }
        if let bias {
            bias.withUnsafeBufferPointer { b in
                for r in 0..<rows { let yr = y + r * outDim; for j in 0..<outDim { yr[j] += b[j] } }
            }
        }
    }

    func forward(_ x: [Float], rows: Int) -> [Float] {
        var y = [Float](repeating: 0, count: rows * outDim)
        x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { yp in forward(xp.baseAddress!, rows: rows, into: yp.baseAddress!) } }
        return y
    }
}
