import ClipzCore

/// What both towers run after their embeddings: the transformer blocks, then the pooling (LayerNorm
/// on each sequence's pooled token, or LayerNorm on every token and the attention-probe head), then
/// the projection where there is one.
final class TowerEncoder {
    let blocks: [TransformerBlock]
    let norm: (gamma: [Float], beta: [Float])
    let head: AttentionPoolingHead?
    let proj: Linear?
    let eps: Float
    /// Run only the pooled rows through the last block's projection and MLP (off while calibrating,
    /// so observers see every token).
    var prunesLastBlock = true

    /// - Parameters:
    ///   - tower: "vision" or "text", the blocks' canonical name prefix.
    ///   - norm: canonical name of the LayerNorm after the blocks.
    ///   - proj: canonical name of the projection (nil: none), `projBias` of its bias (nil: bias-free).
    ///   - head: the attention-probe pooling head, for towers that pool with one.
    init(_ tower: String, _ shape: some TransformerShape, norm: String, proj: String?, projBias: String? = nil,
         head: AttentionPoolingHead? = nil, weights: WeightLoader) throws {
        blocks = try TransformerBlock.stack(tower, layers: shape.layers, width: shape.width, heads: shape.heads,
                                            eps: shape.layerNormEps, activation: shape.activation, weights: weights)
        self.norm = try weights.layerNorm(norm)
        self.head = head
        self.proj = try proj.map { try weights.linear($0, bias: projBias) }
        eps = Float(shape.layerNormEps)
    }

    /// Runs the blocks over `x` [batch, seq, width] in place and returns the (not normalised) embeddings
    /// [batch, embed_dim]: of the rows `pooledRows` (one per sequence), or, with the attention head
    /// (`pooledRows` nil), of every row.
    /// - Parameter onBlock: called with the hidden states after each block (for drift reports).
    func encode(_ x: UnsafeMutablePointer<Float>, batch: Int, seq: Int, width w: Int, causal: Bool, pooledRows: [Int]?,
                ws: Workspace, onBlock: ((Int, [Float]) -> Void)?) -> [Float] {
        // Only the pooled rows of the last block reach the output (unless every block's states are wanted).
        for (i, block) in blocks.enumerated() {
            let last = i == blocks.count - 1 && onBlock == nil && prunesLastBlock
            block.forward(x, batch: batch, seq: seq, causal: causal, ws: ws, keepRows: last ? pooledRows : nil)
            onBlock?(i, Array(UnsafeBufferPointer(start: x, count: batch * seq * w)))
        }
        let pooled = ws.get("pooled", batch * w)
        if let head {
            Ops.layerNorm(x, x, rows: batch * seq, width: w, gamma: norm.gamma, beta: norm.beta, eps: eps, threads: ws.threads)
            head.forward(x, batch: batch, tokens: seq, into: pooled, ws: ws)
        } else {
            for (b, row) in (pooledRows ?? []).enumerated() { (pooled + b * w).update(from: x + row * w, count: w) }
            Ops.layerNorm(pooled, pooled, rows: batch, width: w, gamma: norm.gamma, beta: norm.beta, eps: eps, threads: ws.threads)
        }
        guard let proj else { return Array(UnsafeBufferPointer(start: pooled, count: batch * w)) }
        var out = [Float](repeating: 0, count: batch * proj.outDim)
        out.withUnsafeMutableBufferPointer { proj.forward(pooled, rows: batch, into: $0.baseAddress!, threads: ws.threads) }
        return out
    }
}
