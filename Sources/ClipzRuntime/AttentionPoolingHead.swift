import ClipzCore
import Foundation

/// SigLIP's attention-probe pooling head (`vision.head.*`): a learned probe token attends over every
/// (post-LayerNorm) image token with its own q/k/v and output projection; then h += MLP(LN(h)). The
/// probe does not add itself back (h starts as the attention output), so the head is a transformer
/// block without LN1 whose residual starts from zero. Softmax and LayerNorm stay in float whatever
/// precision the linears run in.
final class AttentionPoolingHead {
    let probe: [Float]
    let block: TransformerBlock

    init(config: VisionConfig, weights: WeightLoader) throws {
        block = try TransformerBlock(prefix: CanonicalName.head, width: config.width, heads: config.heads, eps: config.layerNormEps,
                                     activation: config.activation, weights: weights, ln1: nil, ln2: "ln", fuseQKV: false)
        probe = try weights.values(CanonicalName.headProbe)
        guard probe.count == config.width else {
            throw RuntimeError.badWeights("'\(CanonicalName.headProbe)' has \(probe.count) values, expected width \(config.width)")
        }
    }

    /// Pools `x` = [batch, tokens, width] (already LayerNorm'd) into [batch, width] at `pooled`.
    func forward(_ x: UnsafeMutablePointer<Float>, batch: Int, tokens: Int, into pooled: UnsafeMutablePointer<Float>, ws: Workspace) {
        let w = block.width, heads = block.heads, rows = batch * tokens, hd = w / heads
        let keys = ws.get("head-k", rows * w), values = ws.get("head-v", rows * w)
        block.k.forward(x, rows: rows, into: keys, threads: ws.threads)
        block.v.forward(x, rows: rows, into: values, threads: ws.threads)
        // q(probe) is one row, the same for every image (computed per call so observers see it like any linear's input).
        let query = block.q.forward(probe, rows: 1, threads: 1)
        let attn = ws.get("head-attn", batch * w), scores = ws.get("head-scores", tokens)
        let scale = 1 / Float(hd).squareRoot()
        for b in 0..<batch {
            for h in 0..<heads {
                var top = -Float.infinity
                for t in 0..<tokens {
                    let kr = keys + (b * tokens + t) * w + h * hd
                    var s: Float = 0
                    for d in 0..<hd { s += query[h * hd + d] * kr[d] }
                    scores[t] = s * scale
                    top = max(top, scores[t])
                }
                var sum: Float = 0
                for t in 0..<tokens { scores[t] = Foundation.exp(scores[t] - top); sum += scores[t] }
                let o = attn + b * w + h * hd
                o.update(repeating: 0, count: hd)
                for t in 0..<tokens {
                    let p = scores[t] / sum, vr = values + (b * tokens + t) * w + h * hd
                    for d in 0..<hd { o[d] += p * vr[d] }
                }
            }
        }
        pooled.update(repeating: 0, count: batch * w)
        block.residualTail(attn: attn, x: pooled, rows: batch, ws: ws)
    }
}
