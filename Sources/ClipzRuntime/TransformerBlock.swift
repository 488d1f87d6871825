import CClipzKernels
import ClipzCore
import Foundation

/// One pre-LN transformer block: x += Attn(LN1(x)); x += MLP(LN2(x)).
final class TransformerBlock {
    let width: Int
    let heads: Int
    let eps: Float
    let activation: Activation
    let ln1: (gamma: [Float], beta: [Float])
    let ln2: (gamma: [Float], beta: [Float])
    let q: Linear, k: Linear, v: Linear, out: Linear
    let fc1: Linear, fc2: Linear

    init(prefix: String, width: Int, heads: Int, eps: Double, activation: Activation, weights: WeightLoader) throws {
        let load = weights.load
        self.width = width; self.heads = heads; self.eps = Float(eps); self.activation = activation
        func lin(_ n: String) throws -> Linear { try weights.linear("\(prefix).\(n).weight", bias: "\(prefix).\(n).bias") }
        ln1 = (try load("\(prefix).ln1.weight").floats(), try load("\(prefix).ln1.bias").floats())
        ln2 = (try load("\(prefix).ln2.weight").floats(), try load("\(prefix).ln2.bias").floats())
        q = try lin("attn.q"); k = try lin("attn.k"); v = try lin("attn.v"); out = try lin("attn.out")
        fc1 = try lin("mlp.fc1"); fc2 = try lin("mlp.fc2")
        guard ln1.gamma.count == width, q.inDim == width, q.outDim == width, fc1.inDim == width, fc2.outDim == width else {
            throw RuntimeError.badWeights("block '\(prefix)' does not match width \(width)")
        }
    }

    /// Runs the block in place on `x` = [batch, seq, width].
    /// - Parameter causal: mask keys after each query (text tower).
    func forward(_ x: inout [Float], batch: Int, seq: Int, causal: Bool) {
        let rows = batch * seq, w = width
        var h = [Float](repeating: 0, count: rows * w)
        x.withUnsafeBufferPointer { xp in h.withUnsafeMutableBufferPointer { hp in
            Ops.layerNorm(xp.baseAddress!, hp.baseAddress!, rows: rows, width: w, gamma: ln1.gamma, beta: ln1.beta, eps: eps)
        } }
        let attn = attention(h, batch: batch, seq: seq, causal: causal)
        var o = out.forward(attn, rows: rows)
        x.withUnsafeMutableBufferPointer { xp in o.withUnsafeBufferPointer { op in Ops.addInPlace(xp.baseAddress!, op.baseAddress!, count: rows * w) } }
        x.withUnsafeBufferPointer { xp in h.withUnsafeMutableBufferPointer { hp in
            Ops.layerNorm(xp.baseAddress!, hp.baseAddress!, rows: rows, width: w, gamma: ln2.gamma, beta: ln2.beta, eps: eps)
        } }
        var m = fc1.forward(h, rows: rows)
        m.withUnsafeMutableBufferPointer { Ops.activate($0.baseAddress!, count: $0.count, activation) }
        o = fc2.forward(m, rows: rows)
        x.withUnsafeMutableBufferPointer { xp in o.withUnsafeBufferPointer { op in Ops.addInPlace(xp.baseAddress!, op.baseAddress!, count: rows * w) } }
    }

    /// Multi-head scaled dot-product attention on LN'd input `h` = [batch*seq, width].
    func attention(_ h: [Float], batch: Int, seq: Int, causal: Bool) -> [Float] {
        let rows = batch * seq, w = width, hd = w / heads
        var qs = q.forward(h, rows: rows)
        let ks = k.forward(h, rows: rows), vs = v.forward(h, rows: rows)
        let scale = 1 / Float(hd).squareRoot()
        for i in 0..<qs.count { qs[i] *= scale }
        var result = [Float](repeating: 0, count: rows * w)
        var scores = [Float](repeating: 0, count: seq * seq)
        qs.withUnsafeBufferPointer { qp in ks.withUnsafeBufferPointer { kp in vs.withUnsafeBufferPointer { vp in
            result.withUnsafeMutableBufferPointer { rp in scores.withUnsafeMutableBufferPointer { sp in
                for b in 0..<batch {
                    for head in 0..<heads {
                        let base = b * seq * w + head * hd
                        // scores[seq, seq] = Q_bh · K_bhᵀ
                        clipz_sgemm(1, Int32(seq), Int32(seq), Int32(hd), 1, qp.baseAddress! + base, Int32(w),
                                    kp.baseAddress! + base, Int32(w), 0, sp.baseAddress!, Int32(seq))
                        Ops.softmaxRows(sp.baseAddress!, rows: seq, cols: seq, validCols: { causal ? $0 + 1 : seq })
                        // out[seq, hd] = P · V_bh
                        clipz_sgemm(0, Int32(seq), Int32(hd), Int32(seq), 1, sp.baseAddress!, Int32(seq),
                                    vp.baseAddress! + base, Int32(w), 0, rp.baseAddress! + base, Int32(w))
                    }
                }
            } }
        } } }
        return result
    }
}
