import ClipzCore

/// Text tower: token + position embeddings, blocks (causal for CLIP, bidirectional for SigLIP), final LN
/// on the pooled token, projection (with a bias for SigLIP).
/// When attention is causal, tokens after a sequence's pooled position cannot change its output, so the
/// batch runs only up to the longest pooled position + 1; bidirectional towers run the full context,
/// sequences padded with `pad_token_id` as they were trained.
final class TextTower {
    let config: TextConfig
    /// Token embedding: fp32; fp16 / bf16 bits (`bf16` tells which), widened per lookup; or int8 rows with
    /// per-row scales, dequantized per lookup. A 16-bit or int8 file does not pay 4 bytes × vocab × width of
    /// RAM for it (ViT-B/32: 101 MB in fp32).
    enum Embedding { case f32([Float]), half([UInt16], bf16: Bool), i8(rows: [Int8], scales: [Float]) }
    let tokenEmbed: Embedding
    let posEmbed: [Float]
    /// Blocks, final LayerNorm on the pooled token, projection.
    let encoder: TowerEncoder

    init(config: TextConfig, weights: WeightLoader) throws {
        self.config = config
        let name = CanonicalName.tokenEmbed
        if weights.info[name]?.dtype == .i8, weights.info[name + ".scale"] != nil {
            let q = try weights.raw(name), scales = try weights.raw(name + ".scale").floats()
            guard scales.count == config.vocabSize else { throw RuntimeError.badWeights("'\(name).scale' has \(scales.count) values, expected \(config.vocabSize)") }
            tokenEmbed = .i8(rows: q.bytes.map { Int8(bitPattern: $0) }, scales: scales)
        } else if let half = PackedWeights.Element(sixteenBit: weights.info[name]?.dtype) {
            let t = try weights.raw(name)
            guard PackedWeights.Element(sixteenBit: t.dtype) == half else {
                throw RuntimeError.badWeights("'\(name)' is \(t.dtype), its header says \(half)")
            }
            tokenEmbed = .half(t.bytes.withUnsafeBytes { Array($0.bindMemory(to: UInt16.self)) }, bf16: half == .bf16)
        } else {
            tokenEmbed = .f32(try weights.values(name))
        }
        posEmbed = try weights.values(CanonicalName.textPos)
        encoder = try TowerEncoder("text", config, norm: CanonicalName.finalLN, proj: CanonicalName.textProj,
                                   projBias: config.projectionBias ? CanonicalName.textProjBias : nil, weights: weights)
        let embedCount: Int
        switch tokenEmbed { case let .f32(v): embedCount = v.count; case let .half(v, _): embedCount = v.count; case let .i8(v, _): embedCount = v.count }
        guard embedCount == config.vocabSize * config.width, posEmbed.count == config.contextLength * config.width else {
            throw RuntimeError.badWeights("text embeddings do not match the config")
        }
    }

    /// The position whose final state is projected, by the model's pooling rule.
    func poolIndex(_ ids: [Int]) -> Int {
        switch config.pooling {
        case .argmaxID:
            var best = 0
            for (i, id) in ids.enumerated() where id > ids[best] { best = i }
            return best
        case .firstEOS:
            return ids.firstIndex(of: config.eosTokenID) ?? 0
        case .last:
            return config.contextLength - 1
        }
    }

    /// - Parameter tokens: sequences of ids (each ≤ context length; shorter ones are fine).
    /// - Returns: projected (not normalised) embeddings [batch, embed_dim].
    func encode(_ tokens: [[Int]], ws: Workspace, onBlock: ((Int, [Float]) -> Void)? = nil) throws -> [Float] {
        let batch = tokens.count, w = config.width
        guard batch > 0 else { return [] }
        for (s, seq) in tokens.enumerated() {
            guard !seq.isEmpty, seq.count <= config.contextLength else {
                throw RuntimeError.badInput("sequence \(s) has \(seq.count) tokens; expected 1...\(config.contextLength)")
            }
            for (p, id) in seq.enumerated() where id < 0 || id >= config.vocabSize {
                throw RuntimeError.tokenOutOfRange(sequence: s, position: p, id: id, vocab: config.vocabSize)
            }
        }
        let pools = tokens.map(poolIndex)
        let seq = config.causal ? (pools.max() ?? 0) + 1 : config.contextLength
        let x = ws.get("x", batch * seq * w)
        posEmbed.withUnsafeBufferPointer { pe in
            for b in 0..<batch {
                for t in 0..<seq {
                    let id = t < tokens[b].count ? tokens[b][t] : config.padTokenID
                    let row = x + (b * seq + t) * w
                    switch tokenEmbed {
                    case let .f32(te): for j in 0..<w { row[j] = te[id * w + j] + pe[t * w + j] }
                    case let .half(bits, bf16):
                        bits.withUnsafeBufferPointer { b in Kernels.widen(b.baseAddress! + id * w, into: row, count: w, bf16: bf16) }
                        for j in 0..<w { row[j] += pe[t * w + j] }
                    case let .i8(q, scales): let s = scales[id]; for j in 0..<w { row[j] = Float(q[id * w + j]) * s + pe[t * w + j] }
                    }
                }
            }
        }
        let pooledRows = pools.enumerated().map { $0.offset * seq + $0.element }
        return encoder.encode(x, batch: batch, seq: seq, width: w, causal: config.causal, pooledRows: pooledRows, ws: ws, onBlock: onBlock)
    }
}
