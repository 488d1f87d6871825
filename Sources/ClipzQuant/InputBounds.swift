import ClipzCore
import ClipzFormat

/// Hard per-channel bounds on |x| for the input of each linear layer, derived from the model's own
/// weights: what a calibration file's clips and channel maxima can be checked against.
///
/// - A LayerNorm output is γ ⊙ z + β with z of mean 0 and (biased) variance ≤ 1 over K channels, so
///   |z_j| ≤ √(K − 1) and |x_j| ≤ |γ_j| √(K − 1) + |β_j| (q, k, v, fc1 and the two projections).
/// - `attn.out` reads softmax-weighted averages of value rows v = x Wvᵀ + bv with x a ln1 output:
///   |v_o| ≤ Σ_j |Wv[o, j]| b_j + |bv_o|.
/// - `fc2` reads act(fc1(x)) with x a ln2 output; |GELU(u)| ≤ |u| and |QuickGELU(u)| ≤ |u|.
/// - The patch embedding reads pixels as the caller prepared them: no bound.
public enum InputBounds {
    /// Bounds by canonical weight name (layers without a bound are absent).
    public static func of(_ file: ClipzFile) throws -> [String: [Float]] {
        let c = file.metadata.config
        var out: [String: [Float]] = [:]
        for (tower, layers) in CanonicalName.towerLayers(c) {
            for i in 0..<layers {
                let ln1 = try layerNorm(file, "\(tower.rawValue).layers.\(i).ln1")
                let ln2 = try layerNorm(file, "\(tower.rawValue).layers.\(i).ln2")
                for p in ["attn.q", "attn.k", "attn.v"] { out[CanonicalName.layer(tower, i, p + ".weight")] = ln1 }
                out[CanonicalName.layer(tower, i, "mlp.fc1.weight")] = ln2
                let v = CanonicalName.layer(tower, i, "attn.v"), fc1 = CanonicalName.layer(tower, i, "mlp.fc1")
                out[CanonicalName.layer(tower, i, "attn.out.weight")] = try linearOutput(file, v, input: ln1)
                out[CanonicalName.layer(tower, i, "mlp.fc2.weight")] = try linearOutput(file, fc1, input: ln2)
            }
        }
        if c.vision != nil { out[CanonicalName.visionProj] = try layerNorm(file, CanonicalName.postLN) }
        if c.text != nil { out[CanonicalName.textProj] = try layerNorm(file, CanonicalName.finalLN) }
        return out
    }

    static func layerNorm(_ file: ClipzFile, _ prefix: String) throws -> [Float] {
        let g = try file.floats(prefix + ".weight"), b = try file.floats(prefix + ".bias")
        guard g.count == b.count else {
            throw CoreError.sizeMismatch(tensor: prefix + ".bias", expected: g.count, actual: b.count)
        }
        let root = Float(max(g.count - 1, 0)).squareRoot()
        return zip(g, b).map { abs($0) * root + abs($1) }
    }

    /// Bound on |x Wᵀ + b| for |x_j| ≤ input_j.
    static func linearOutput(_ file: ClipzFile, _ prefix: String, input: [Float]) throws -> [Float] {
        let w = try file.floats(prefix + ".weight"), b = try file.floats(prefix + ".bias")
        let k = input.count, rows = b.count
        guard w.count == rows * k else {
            throw CoreError.sizeMismatch(tensor: prefix + ".weight", expected: rows * k, actual: w.count)
        }
        return (0..<rows).map { o in
            var s = Double(abs(b[o]))
            for j in 0..<k { s += Double(abs(w[o * k + j])) * Double(input[j]) }
            return Float(s)
        }
    }
}
