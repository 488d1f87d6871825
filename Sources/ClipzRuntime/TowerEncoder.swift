import ClipzCore

/// What both towers run after their embeddings: the transformer blocks, then LayerNorm and the
/// projection of each sequence's pooled token.
final class TowerEncoder {
    let blocks: [TransformerBlock]
    let norm: (gamma: [Float], beta: [Float])
    let proj: Linear
    let eps: Float
    /// Run only the pooled rows through the last block's projection and MLP (off while calibrating,
    /// so observers see every token).
    var prunesLastBlock = true

    /// - Parameters:
    ///   - tower: "vision" or "text", the blocks' canonical name prefix.
    ///   - norm: canonical name of the LayerNorm applied to the pooled token.
    ///   - proj: canonical name of the (bias-free) projection.
    init(_ tower: String, _ shape: some TransformerShape, norm: String, proj: String, weights: WeightLoader) throws {
        blocks = try TransformerBlock.stack(tower, layers: shape.layers, width: shape.width, heads: shape.heads,
                                            eps: shape.layerNormEps, activation: shape.activation, weights: weights)
        self.norm = try weights.layerNorm(norm)
        self.proj = try weights.linear(proj, bias: nil)
        eps = Float(shape.layerNormEps)
    }

    /// Runs the blocks over `x` [batch, seq, width] in place and returns the projected (not
    /// normalised) embeddings [batch, embed_dim] of the rows `pooledRows` (one per sequence).
    /// - Parameter onBlock: called with the hidden states after each block (for drift reports).
    func encode(_ x: UnsafeMutablePointer<Float>, batch: Int, seq: Int, width w: Int, causal: Bool, pooledRows: [Int],
                ws: Workspace, onBlock: ((Int, [Float]) -> Void)?) -> [Float] {
        // Only the pooled rows of the last block reach the output (unless every block's states are wanted).
        for (i, block) in blocks.enumerated() {
            let last = i == blocks.count - 1 && onBlock == nil && prunesLastBlock
            block.forward(x, batch: batch, seq: seq, causal: causal, ws: ws, keepRows: last ? pooledRows : nil)
            onBlock?(i, Array(UnsafeBufferPointer(start: x, count: batch * seq * w)))
        }
        let pooled = ws.get("pooled", batch * w)
        for (b, row) in pooledRows.enumerated() { (pooled + b * w).update(from: x + row * w, count: w) }
        Ops.layerNorm(pooled, pooled, rows: batch, width: w, gamma: norm.gamma, beta: norm.beta, eps: eps, threads: ws.threads)
        var out = [Float](repeating: 0, count: batch * proj.outDim)
        out.withUnsafeMutableBufferPointer { proj.forward(pooled, rows: batch, into: $0.baseAddress!, threads: ws.threads) }
        return out
    }
}
