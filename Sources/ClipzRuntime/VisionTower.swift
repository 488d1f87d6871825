import ClipzCore

/// Image tower: patch embedding (as a GEMM), class token, positions, pre-LN, blocks, post-LN on the
/// class token, projection.
final class VisionTower {
    let config: VisionConfig
    let patch: Linear            // [width, 3*P*P]
    let classEmbed: [Float]
    let posEmbed: [Float]
    let preLN: (gamma: [Float], beta: [Float])
    /// Blocks, post-LN on the class token, projection.
    let encoder: TowerEncoder

    init(config: VisionConfig, weights: WeightLoader) throws {
        self.config = config
        patch = try weights.linear(CanonicalName.patchEmbed, bias: nil)
        classEmbed = try weights.values(CanonicalName.classEmbed)
        posEmbed = try weights.values(CanonicalName.visionPos)
        preLN = try weights.layerNorm(CanonicalName.preLN)
        encoder = try TowerEncoder("vision", config, norm: CanonicalName.postLN, proj: CanonicalName.visionProj, weights: weights)
        guard classEmbed.count == config.width, posEmbed.count == config.tokens * config.width,
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
        classEmbed.withUnsafeBufferPointer { ce in posEmbed.withUnsafeBufferPointer { pe in
            for b in 0..<batch {
                for j in 0..<w { x[b * t * w + j] = ce[j] + pe[j] }
                for i in 0..<(g * g) { for j in 0..<w { x[(b * t + i + 1) * w + j] = patches[(b * g * g + i) * w + j] + pe[(i + 1) * w + j] } }
            }
        } }
        Ops.layerNorm(x, x, rows: batch * t, width: w, gamma: preLN.gamma, beta: preLN.beta, eps: encoder.eps, threads: ws.threads)
        // The class token is each image's pooled row.
        return encoder.encode(x, batch: batch, seq: t, width: w, causal: false, pooledRows: (0..<batch).map { $0 * t }, ws: ws,
                              onBlock: onBlock)
    }
}
