import ClipzCore

/// Image tower: patch embedding (as a GEMM), class token (CLIP), positions, pre-LN (CLIP), blocks,
/// then post-LN on the class token (CLIP) or on every token and the attention-probe head (SigLIP),
/// then the projection where there is one (CLIP).
final class VisionTower {
    let config: VisionConfig
    let patch: Linear            // [width, 3*P*P]
    let classEmbed: [Float]?
    let posEmbed: [Float]
    let preLN: (gamma: [Float], beta: [Float])?
    /// Blocks, pooling, projection.
    let encoder: TowerEncoder

    init(config: VisionConfig, weights: WeightLoader) throws {
        self.config = config
        patch = try weights.linear(CanonicalName.patchEmbed, bias: config.patchBias ? CanonicalName.patchBias : nil)
        classEmbed = config.classToken ? try weights.values(CanonicalName.classEmbed) : nil
        posEmbed = try weights.values(CanonicalName.visionPos)
        preLN = config.preLN ? try weights.layerNorm(CanonicalName.preLN) : nil
        let head = config.pooling == .attentionProbe ? try AttentionPoolingHead(config: config, weights: weights) : nil
        encoder = try TowerEncoder("vision", config, norm: CanonicalName.postLN, proj: config.projection ? CanonicalName.visionProj : nil,
                                   head: head, weights: weights)
        guard classEmbed.map({ $0.count == config.width }) ?? true, posEmbed.count == config.tokens * config.width,
              patch.inDim == 3 * config.patchSize * config.patchSize else {
            throw RuntimeError.badWeights("vision embeddings do not match the config")
        }
    }

    /// - Parameters:
    ///   - pixels: [batch, 3, S, S] normalised floats.
    ///   - onBlock: called with the hidden states [batch, tokens, width] after each block (for drift reports).
    /// - Returns: projected (not normalised) embeddings [batch, embed_dim].
    func encode(_ pixels: [Float], batch: Int, ws: Workspace, onBlock: ((Int, [Float]) -> Void)? = nil) throws -> [Float] {
        let s = config.imageSize, p = config.patchSize, g = config.grid, w = config.width, t = config.tokens
        guard batch > 0, pixels.count == batch * 3 * s * s else { throw RuntimeError.badInput("pixels have \(pixels.count) values, expected \(batch)×3×\(s)×\(s)") }
        // im2col: one row per patch, columns ordered (channel, py, px) like the conv weight.
        let k = 3 * p * p
        let cols = ws.get("cols", batch * g * g * k)
        pixels.withUnsafeBufferPointer { src in
            for b in 0..<batch { for gy in 0..<g { for gx in 0..<g {
                let row = cols + ((b * g + gy) * g + gx) * k
                for c in 0..<3 { for py in 0..<p {
                    let from = src.baseAddress! + ((b * 3 + c) * s + gy * p + py) * s + gx * p
                    (row + (c * p + py) * p).update(from: from, count: p)
                } }
            } } }
        }
        let patches = ws.get("patches", batch * g * g * w)
        patch.forward(cols, rows: batch * g * g, into: patches, threads: ws.threads)
        let x = ws.get("x", batch * t * w)
        // Token 0 is the class token when there is one; patches follow.
        let first = classEmbed == nil ? 0 : 1
        posEmbed.withUnsafeBufferPointer { pe in
            for b in 0..<batch {
                if let ce = classEmbed { for j in 0..<w { x[b * t * w + j] = ce[j] + pe[j] } }
                for i in 0..<(g * g) {
                    for j in 0..<w { x[(b * t + i + first) * w + j] = patches[(b * g * g + i) * w + j] + pe[(i + first) * w + j] }
                }
            }
        }
        if let preLN {
            Ops.layerNorm(x, x, rows: batch * t, width: w, gamma: preLN.gamma, beta: preLN.beta, eps: encoder.eps, threads: ws.threads)
        }
        // The class token is each image's pooled row; the attention-probe head reads every token.
        let pooledRows = config.pooling == .classToken ? (0..<batch).map { $0 * t } : nil
        return encoder.encode(x, batch: batch, seq: t, width: w, causal: false, pooledRows: pooledRows, ws: ws, onBlock: onBlock)
    }
}
