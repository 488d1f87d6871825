import ClipzCore
import Foundation

/// SmoothQuant-style migration of activation outliers into weights, for linears fed by a LayerNorm:
/// X' = X / s, W' = W · diag(s), and the LayerNorm's γ, β are divided by s, so the model's function is
/// unchanged while the int8 activation range shrinks. s_j = max|X_j|^α / max|W_j|^(1−α).
public enum Smoothing {
    /// A LayerNorm and the linears that read its output.
    public struct Group: Sendable {
        public var layerNorm: String            // prefix: `<ln>.weight`, `<ln>.bias`
        public var linears: [String]            // weight names
    }

    /// Every LayerNorm → linear group of a model.
    public static func groups(_ c: ModelConfig) -> [Group] {
        var g: [Group] = []
        for (tower, layers) in CanonicalName.towerLayers(c) {
            for i in 0..<layers {
                g.append(Group(layerNorm: "\(tower.rawValue).layers.\(i).ln1",
                               linears: ["attn.q", "attn.k", "attn.v"].map { CanonicalName.layer(tower, i, $0 + ".weight") }))
                g.append(Group(layerNorm: "\(tower.rawValue).layers.\(i).ln2", linears: [CanonicalName.layer(tower, i, "mlp.fc1.weight")]))
            }
        }
        if c.vision != nil { g.append(Group(layerNorm: CanonicalName.postLN, linears: [CanonicalName.visionProj])) }
        if c.text != nil { g.append(Group(layerNorm: CanonicalName.finalLN, linears: [CanonicalName.textProj])) }
        return g
    }

    /// Factors are clamped to this range (a wider one would push weights or LayerNorm γ towards overflow).
    public static let factorRange: ClosedRange<Float> = 1e-4...1e4

    /// Smoothing factors for one group.
    /// - Parameters:
    ///   - activationAbsMax: per input channel max |X_j| over the calibration data.
    ///   - weights: the group's float weights [out, in].
    public static func factors(activationAbsMax: [Float], weights: [Tensor], alpha: Double) -> [Float] {
        let k = activationAbsMax.count
        var wmax = [Float](repeating: 0, count: k)
        for w in weights {
            let v = w.floats(), rows = v.count / max(k, 1)
            for r in 0..<rows { for j in 0..<k { wmax[j] = max(wmax[j], abs(v[r * k + j])) } }
        }
        return (0..<k).map { j in
            let a = max(Double(activationAbsMax[j]), 1e-5), w = max(Double(wmax[j]), 1e-5)
            let s = pow(a, alpha) / pow(w, 1 - alpha)
            return min(max(Float(s), factorRange.lowerBound), factorRange.upperBound)
        }
    }

    /// W' = W · diag(s) (scales input columns).
    public static func scaleColumns(_ w: Tensor, by s: [Float]) throws -> Tensor {
        var v = w.floats()
        let k = s.count, rows = v.count / max(k, 1)
        for r in 0..<rows { for j in 0..<k { v[r * k + j] *= s[j] } }
        return try Tensor(name: w.name, shape: w.shape, floats: v)
    }

    /// γ / s or β / s.
    public static func divide(_ t: Tensor, by s: [Float]) throws -> Tensor {
        let v = t.floats()
        return try Tensor(name: t.name, shape: t.shape, floats: zip(v, s).map { $0 / $1 })
    }
}
