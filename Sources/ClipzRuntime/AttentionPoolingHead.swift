import ClipzCore
import Foundation

/// SigLIP's attention-probe pooling head (`vision.head.*`): a learned probe token attends over every
/// (post-LayerNorm) image token with its own q/k/v and output projection; then h += MLP(LN(h)).
/// The probe does not add itself back: h is the attention output. Softmax and LayerNorm stay in float
/// whatever precision the linears run in.
final class AttentionPoolingHead {
    let width: Int
    let heads: Int
    let eps: Float
    let activation: Activation
    let probe: [Float]
    let q: Linear, k: Linear, v: Linear, out: Linear
    let ln: (gamma: [Float], beta: [Float])
    let fc1: Linear, fc2: Linear

    init(config: VisionConfig, weights: WeightLoader) throws {
        let p = CanonicalName.head, w = config.width
        width = w; heads = config.heads; eps = Float(config.layerNormEps); activation = config.activation
        func lin(_ n: String) throws -> Linear { try weights.linear("\(p).\(n).weight", bias: "\(p).\(n).bias") }
        q = try lin("attn.q"); k = try lin("attn.k"); v = try lin("attn.v"); out = try lin("attn.out")
        ln = try weights.layerNorm("\(p).ln")
        fc1 = try lin("mlp.fc1"); fc2 = try lin("mlp.fc2")
        probe = try weights.values(CanonicalName.headProbe)
        guard probe.count == w, q.inDim == w, q.outDim == w, k.outDim == w, v.outDim == w, out.inDim == w, out.outDim == w,
              ln.gamma.count == w, fc1.inDim == w, fc2.inDim == fc1.outDim, fc2.outDim == w, w % heads == 0 else {
            throw RuntimeError.badWeights("pooling head '\(p)' does not match width \(w)")
        }
    }

    /// Pools `x` = [batch, tokens, width] (already LayerNorm'd) into [batch, width] at `pooled`.
    func forward(_ x: UnsafeMutablePointer<Float>, batch: Int, tokens: Int, into pooled: UnsafeMutablePointer<Float>, ws: Workspace) {
        let w = width, rows = batch * tokens, hd = w / heads
        let keys = ws.get("head-k", rows * w), values = ws.get("head-v", rows * w)
        k.forward(x, rows: rows, into: keys, threads: ws.threads)
        v.forward(x, rows: rows, into: values, threads: ws.threads)
        let attn = ws.get("head-attn", batch * w)
        let scores = ws.get("head-scores", tokens)
        let scale = 1 / Float(hd).squareRoot()
        // q(probe) is one row, the same for every image (computed per call so observers see it like any linear's input).
        let query = q.forward(probe, rows: 1, threads: 1)
        query.withUnsafeBufferPointer { qp in
            for b in 0..<batch {
                for h in 0..<heads {
                    let qh = qp.baseAddress! + h * hd
                    var top = -Float.infinity
                    for t in 0..<tokens {
                        let kr = keys + (b * tokens + t) * w + h * hd
                        var s: Float = 0
                        for d in 0..<hd { s += qh[d] * kr[d] }
                        scores[t] = s * scale
                        top = max(top, scores[t])
                    }
                    var sum: Float = 0
                    for t in 0..<tokens { scores[t] = Foundation.exp(scores[t] - top); sum += scores[t] }
                    let o = attn + b * w + h * hd
                    for d in 0..<hd { o[d] = 0 }
                    for t in 0..<tokens {
                        let pr = scores[t] / sum, vr = values + (b * tokens + t) * w + h * hd
                        for d in 0..<hd { o[d] += pr * vr[d] }
                    }
                }
            }
        }
        out.forward(attn, rows: batch, into: pooled, threads: ws.threads)
        let hn = ws.get("head-ln", batch * w)
        Ops.layerNorm(pooled, hn, rows: batch, width: w, gamma: ln.gamma, beta: ln.beta, eps: eps, threads: ws.threads)
        let m = ws.get("head-mlp", batch * fc1.outDim)
        fc1.forward(hn, rows: batch, into: m, threads: ws.threads, activation: activation)
        fc2.forward(m, rows: batch, into: pooled, threads: ws.threads, accumulate: true)
    }
}
