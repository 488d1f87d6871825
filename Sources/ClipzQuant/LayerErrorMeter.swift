import CClipzKernels
import ClipzCore

/// The output error of one linear layer run as static W8A8 against the fp32 layer, accumulated over
/// input batches: ‖Y_q − Y‖ / ‖Y‖ where Y = X Wᵀ and Y_q = Q(X / s) · dequant(Q(W · diag(s)))ᵀ, with
/// per-channel int8 weights and one activation scale clip / 127 (what the runtime runs for a layer
/// with `<name>.input_scale`). Used by calibration (recorded in the file) and by the quantizer's guard
/// (measured again on the model being quantized).
public struct LayerErrorMeter {
    let reference: [Float]
    let simulated: [Float]
    let smooth: [Float]?
    let scale: Float
    let outDim: Int
    let inDim: Int
    /// Σ (Y_q − Y)² and Σ Y² so far.
    public private(set) var squaredError = 0.0
    public private(set) var squaredNorm = 0.0

    /// - Parameters:
    ///   - weight: the fp32 weight [out, in] (unsmoothed).
    ///   - smooth: SmoothQuant factors s (one per input channel), or nil.
    ///   - clip: the static clipping threshold of |x / s|.
    ///   - weightBits: bits of the int8 weights (8, or 7 for `--weight-bits 7`).
    public init(weight: Tensor, smooth: [Float]?, clip: Float, weightBits: Int = 8) throws {
        outDim = weight.shape.first ?? 0
        inDim = outDim == 0 ? 0 : weight.elementCount / outDim
        if let smooth, smooth.count != inDim {
            throw CoreError.sizeMismatch(tensor: weight.name, expected: inDim, actual: smooth.count)
        }
        let smoothed = try smooth.map { try Smoothing.scaleColumns(weight, by: $0) } ?? weight
        let (q, s, _) = try WeightQuantization.perChannel(smoothed, bits: weightBits)
        reference = weight.floats()
        simulated = try WeightQuantization.dequantize(q, scale: s).floats()
        self.smooth = smooth
        scale = clip / 127
    }

    /// Adds `rows` input rows x [rows × in] (unsmoothed, as the float model sees them).
    public mutating func add(_ x: UnsafeBufferPointer<Float>, rows: Int) {
        guard rows > 0, x.count == rows * inDim, outDim > 0 else { return }
        guard scale > 0, scale.isFinite else {
            squaredError = .infinity
            return
        }
        var xq = [Float](repeating: 0, count: x.count)
        for i in 0..<x.count {
            let v = smooth.map { x[i] / $0[i % inDim] } ?? x[i]
            xq[i] = max(-127, min(127, (v / scale).rounded(.toNearestOrEven))) * scale
        }
        var yRef = [Float](repeating: 0, count: rows * outDim)
        var yQ = yRef
        let n = Int32(rows), o = Int32(outDim), k = Int32(inDim)
        clipz_sgemm(1, n, o, k, 1, x.baseAddress, k, reference, k, 0, &yRef, o)
        clipz_sgemm(1, n, o, k, 1, xq, k, simulated, k, 0, &yQ, o)
        for i in 0..<yRef.count {
            let d = Double(yQ[i]) - Double(yRef[i])
            squaredError += d * d
            squaredNorm += Double(yRef[i]) * Double(yRef[i])
        }
    }

    /// ‖Y_q − Y‖ / ‖Y‖ so far (0 for a zero output reproduced exactly, +∞ for one that is not;
    /// NaN propagates, and callers treat it as failing any bound).
    public var relativeError: Double { Self.relative(squaredError: squaredError, squaredNorm: squaredNorm) }

    /// √(error / norm), with the edge cases of `relativeError`.
    public static func relative(squaredError: Double, squaredNorm: Double) -> Double {
        if squaredNorm > 0 { return (squaredError / squaredNorm).squareRoot() }
        return squaredError == 0 ? 0 : .infinity
    }
}
