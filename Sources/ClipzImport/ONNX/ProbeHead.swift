import ClipzCore

/// SigLIP's attention-pooling head (transformers `SiglipMultiheadAttentionPoolingHead`): a learned
/// probe attends over the post-LN tokens (`nn.MultiheadAttention`, q from the probe, k/v from the
/// tokens), then a layer norm + MLP residual; token 0 of the result is the pooled vector.
struct ProbeHeadMatch {
    /// Canonical suffixes under `vision.head.` ("probe" is the probe itself, then "attn.q.weight", "ln.weight"...).
    var plans: [String: TensorPlan]
    let heads: Int
    /// The layer norm + MLP residual after the attention.
    let mlp: MLPMatch
    /// The pooled vector.
    let output: String
}

extension ONNXGraph {
    /// Matches the head reading `tokens` (the post layer norm's output). nil when no linear reads the
    /// tokens (no head); throws, naming the node, when a head starts but does not complete.
    func probeHead(tokens: String, width w: Int) throws -> ProbeHeadMatch? {
        let kvLinears = linears(from: tokens)
        guard let firstKV = kvLinears.first else { return nil }
        guard kvLinears.allSatisfy({ $0.inDim == w && $0.bias != nil }), [w, 2 * w].contains(kvLinears.reduce(0) { $0 + $1.outDim }) else {
            throw ImportError.graphMismatch(file: file, node: firstKV.node, expected: "the pooling head's key/value projections from the tokens: "
                + "two [\(w), \(w)] or one packed [\(w), \(2 * w)], with bias (found \(kvLinears.map { "[\($0.inDim), \($0.outDim)]" }))")
        }
        // The key/value projection names the head where its attention does not complete (the search never passes it).
        let core = try attentionCore(from: kvLinears.map(\.output), endNode: firstKV.node)
        guard let q = linear(before: core.scores.input(0)), q.inDim == w, q.outDim == w, let qBias = q.bias,
              role(of: q.output, core: core) == .q else {
            throw ImportError.graphMismatch(file: file, node: core.scores.name, expected: "a query projection [\(w), \(w)] with bias feeding the pooling head's scores")
        }
        guard let probe = embeddingConstant(q.input, elements: w) else {
            throw ImportError.graphMismatch(file: file, node: q.node, expected: "a constant probe of \(w) values (through Tile/Expand/Reshape/Transpose) as the pooling head's query")
        }
        var plans: [String: TensorPlan] = ["probe": TensorPlan(ref: probe, layout: .reshape, shape: [w]),
                                           "attn.q.weight": .linearWeight(q), "attn.q.bias": .vector(qBias)]
        // Key and value: two linears, or one packed [W, 2W] cut in two (torch's in_proj rows w..<3w).
        var slots: [(value: String, weight: TensorPlan, bias: TensorPlan)] = []
        if kvLinears.count == 2 {
            slots = kvLinears.compactMap { l in l.bias.map { (l.output, .linearWeight(l), .vector($0)) } }
        } else if let l = kvLinears.first, let b = l.bias {
            let parts = packedSlots(l.output, width: w, parts: 2)
            slots = parts.keys.sorted().compactMap { i in parts[i].map { ($0, .packedWeight(l, part: i, of: 2), .packedBias(b, part: i, of: 2)) } }
        }
        for s in slots {
            switch role(of: s.value, core: core) {
            case .k?: plans["attn.k.weight"] = s.weight; plans["attn.k.bias"] = s.bias
            case .v?: plans["attn.v.weight"] = s.weight; plans["attn.v.bias"] = s.bias
            default: break
            }
        }
        guard plans["attn.k.weight"] != nil, plans["attn.v.weight"] != nil else {
            throw ImportError.graphMismatch(file: file, node: firstKV.node, expected: "distinct key and value projections (two linears, or one packed output split in two by Gather, Split or Slice) feeding the pooling head's attention")
        }
        let heads = try self.heads(paths: [q.output] + kvLinears.map(\.output), core: core, width: w, at: core.scores.name)

        let outs = linears(from: core.context.outputs.first ?? "")
        guard outs.count == 1, let out = outs.first, out.inDim == w, out.outDim == w, let outBias = out.bias else {
            throw ImportError.graphMismatch(file: file, node: core.context.name, expected: "the pooling head's output projection [\(w), \(w)] with bias")
        }
        plans["attn.out.weight"] = .linearWeight(out); plans["attn.out.bias"] = .vector(outBias)
        let mlp = try mlpHalf(at: afterLayout(out.output), width: w, after: out.node, ln: "ln", into: &plans)
        guard let pooled = tokenZero(mlp.output) else {
            throw ImportError.graphMismatch(file: file, node: producerNode(mlp.output)?.name ?? mlp.output, expected: "the pooling head's output token 0 (Gather/Slice)")
        }
        return ProbeHeadMatch(plans: plans, heads: heads, mlp: mlp, output: pooled)
    }

    /// The linear whose output reaches `value` through layout ops and scalar scaling (q · 1/√d).
    func linear(before value: String) -> LinearMatch? {
        var v = value
        for _ in 0..<8 {
            if let l = linear(producing: v) { return l }
            guard let p = producerNode(source(v)) else { return nil }
            if ["Mul", "Div"].contains(p.opType), scalar(p.input(1)) != nil { v = p.input(0) }
            else if p.opType == "Mul", scalar(p.input(0)) != nil { v = p.input(1) }
            else if layoutOps.contains(p.opType) { v = p.input(0) }
            else { return nil }
        }
        return nil
    }

    /// `value` followed forward through a chain of layout ops that are its only (non-Shape) use.
    func afterLayout(_ value: String) -> String {
        var v = value
        for _ in 0..<8 {
            let u = uses(v).filter { $0.node.opType != "Shape" }
            guard u.count == 1, u[0].slot == 0, layoutOps.contains(u[0].node.opType), let o = u[0].node.outputs.first, !o.isEmpty else { break }
            v = o
        }
        return v
    }
}
