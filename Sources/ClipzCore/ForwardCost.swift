/// Floating-point operations of one forward pass (2 per multiply-add), counted the standard way:
/// every linear layer and attention product over every token, no shortcuts taken by the runtime
/// (pruning the last block, running text only up to the pooled token). Used to turn benchmark times
/// into GFLOP/s comparable with other runtimes and with the CPU's peak.
public enum ForwardCost {
    /// Per-token multiply-adds of one pre-LN block (q, k, v, out projections and the MLP).
    static func blockMACsPerToken(width w: Int, mlp: Int) -> Int { 4 * w * w + 2 * w * mlp }

    /// Attention multiply-adds of one block over a sequence (Q·Kᵀ and P·V; causal masking not subtracted).
    static func attentionMACs(tokens t: Int, width w: Int) -> Int { 2 * t * t * w }

    /// FLOPs to embed one image.
    public static func image(_ c: VisionConfig, embedDim: Int) -> Double {
        let t = c.tokens, w = c.width
        let patch = c.grid * c.grid * 3 * c.patchSize * c.patchSize * w
        let blocks = c.layers * (t * blockMACsPerToken(width: w, mlp: c.mlpDim) + attentionMACs(tokens: t, width: w))
        return 2 * Double(patch + blocks + w * embedDim)
    }

    /// FLOPs to embed one text of `tokens` positions.
    public static func text(_ c: TextConfig, tokens t: Int, embedDim: Int) -> Double {
        let w = c.width
        let blocks = c.layers * (t * blockMACsPerToken(width: w, mlp: c.mlpDim) + attentionMACs(tokens: t, width: w))
        return 2 * Double(blocks + w * embedDim)
    }
}
