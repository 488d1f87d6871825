import ClipzCore

extension ONNXGraph {
    /// The token-id input: an int32/int64 graph input.
    var textInput: ONNXInput? { inputs.first { $0.elemType == 7 || $0.elemType == 6 } }

    /// Walks the text tower from the ids: Gather(token table) → Add position → blocks →
    /// final LN → pooling at the EOT token (ArgMax, CLIP) or at the last position (SigLIP) → projection.
    func matchText(input: String) throws -> TowerMatch {
        var m = TowerMatch()
        guard let tok = gatherFromTable(ids: input), let tokOut = tok.node.outputs.first else {
            throw ImportError.graphMismatch(file: file, node: input, expected: "Gather(token embedding table, input_ids)")
        }
        let w = tok.table.shape[1]
        m.width = w; m.vocabSize = tok.table.shape[0]
        m.plans.append((CanonicalName.tokenEmbed, TensorPlan(ref: tok.table, layout: .reshape, shape: tok.table.shape)))
        guard let add = uses(tokOut).first(where: { $0.node.opType == "Add" })?.node, let addOut = add.outputs.first,
              let pos = positionTable(otherInput(add, than: tokOut), width: w) else {
            throw ImportError.graphMismatch(file: file, node: tok.node.name, expected: "Add of a position embedding [context, \(w)]")
        }
        m.contextLength = pos.elementCount / w
        m.plans.append((CanonicalName.textPos, TensorPlan(ref: pos, layout: .reshape, shape: [m.contextLength, w])))

        let (blocks, last) = try self.blocks(from: addOut, width: w)
        try m.add(blocks: blocks, tower: .text, graph: self)
        guard let fin = layerNorm(from: last), fin.weight.elementCount == w else {
            throw ImportError.graphMismatch(file: file, node: producerNode(last)?.name ?? last, expected: "the final layer norm after the last text block")
        }
        m.plans += [(CanonicalName.finalLN + ".weight", .vector(fin.weight)), (CanonicalName.finalLN + ".bias", .vector(fin.bias))]
        let (proj, pooling, eos) = try textPooling(from: fin, ids: input, width: w, context: m.contextLength)
        m.pooling = pooling; m.eosTokenID = eos
        m.projectionDim = proj.outDim
        m.plans.append((CanonicalName.textProj, .linearWeight(proj)))
        if let b = proj.bias { m.projectionBias = true; m.plans.append((CanonicalName.textProjBias, .vector(b))) }
        m.notes.append("text: vocab \(m.vocabSize) from token table rows, context \(m.contextLength) from position rows, width \(w), projection \(proj.outDim)"
            + (proj.bias == nil ? "" : " with bias") + ", pooling \(pooling.rawValue)" + (eos.map { " (eos id \($0) from the Equal constant)" } ?? ""))
        // Attention: causal when a block's mask is built as a triangle. CLIP (EOT pooling) is causal by
        // construction; a tower pooling the last position (SigLIP) is bidirectional unless its mask says otherwise.
        let masks = blocks.map { causalMask($0.core) }
        guard let evidence = masks.first, masks.allSatisfy({ ($0 == nil) == (evidence == nil) }) else {
            throw ImportError.graphMismatch(file: file, node: blocks.first?.core.scores.name ?? input, expected: "the same attention mask (causal or not) in every text block")
        }
        if let evidence { m.notes.append("text: causal attention (mask from \(evidence))") }
        else if pooling == .last { m.causal = false; m.notes.append("text: bidirectional attention (no triangular mask before the Softmax)") }
        else { m.notes.append("text: causal mask not recognised; CLIP's causal attention assumed") }
        return m
    }

    /// What makes the scores at `core` causally masked, walking back from its Softmax through the mask
    /// ops (never into the scores MatMul, shape computations or other layers): a Trilu, a comparison of
    /// two computed position indices (q_idx ≥ kv_idx), or a constant square mask whose values differ.
    /// nil when none is found (no mask, a padding mask, or one that keeps every pair).
    func causalMask(_ core: AttentionCore) -> String? {
        var queue = [core.softmax.input(0)], seen: Set<String> = []
        let compute: Set<String> = ["MatMul", "Gemm", "LayerNormalization", "Softmax", "Conv", "Shape", "Size"]
        while !queue.isEmpty, seen.count < 256 {
            let v = queue.removeFirst()
            guard seen.insert(v).inserted else { continue }
            if let c = constant(source(v)) {
                if c.shape.count >= 2, c.shape[c.shape.count - 1] > 1, c.shape[c.shape.count - 1] == c.shape[c.shape.count - 2],
                   let vals = constFloats(v, limit: 1 << 22), Set(vals).count > 1 { return "constant '\(c.name)' \(c.shape)" }
                continue
            }
            guard let n = producerNode(source(v)), n.index != core.scores.index, !compute.contains(n.opType) else { continue }
            if n.opType == "Trilu" { return "Trilu '\(n.name)'" }
            if ["Less", "LessOrEqual", "Greater", "GreaterOrEqual"].contains(n.opType),
               constantThroughCast(n.input(0)) == nil, constantThroughCast(n.input(1)) == nil { return "\(n.opType) '\(n.name)'" }
            queue += n.inputs.filter { !$0.isEmpty }
        }
        return nil
    }

    /// Gather(table, ids) with a constant [vocab, width] table (ids through Reshape/Cast allowed).
    func gatherFromTable(ids: String) -> (node: ONNXNode, table: SourceTensor)? {
        var frontier = [ids]
        for _ in 0..<4 {
            var next: [String] = []
            for v in frontier {
                for (n, slot) in uses(v) {
                    if n.opType == "Gather", slot == 1, (n.int("axis") ?? 0) == 0, let t = constant(source(n.input(0))),
                       t.shape.count == 2, t.dtype.loaded.isFloat { return (n, t) }
                    if ["Reshape", "Unsqueeze", "Squeeze", "Flatten"].contains(n.opType), slot == 0 { next += n.outputs.prefix(1) }
                }
            }
            frontier = next
        }
        return nil
    }

    /// Finds the projection after the final LN and the rule selecting the pooled token: the last
    /// position (Gather/Slice of index -1 or context - 1: `last`), or an ArgMax over the ids
    /// (argmax_id) or over Equal(ids, eos) (first_eos), feeding a Gather/GatherND.
    func textPooling(from fin: LNMatch, ids: String, width w: Int, context: Int) throws -> (LinearMatch, TextPooling, Int?) {
        if let sel = selectToken(fin.output, position: context - 1, count: context) {
            let ls = linears(from: sel)
            guard ls.count == 1, let p = ls.first, p.inDim == w else {
                throw ImportError.graphMismatch(file: file, node: fin.node, expected: "one text projection [\(w), embed_dim] reading the last token (found \(ls.count) linear(s))")
            }
            return (p, .last, nil)
        }
        // Breadth-first from the LN output to the first linear layer.
        var queue = [fin.output], seen: Set<String> = [], proj: LinearMatch? = nil
        while !queue.isEmpty, seen.count < 256, proj == nil {
            let v = queue.removeFirst()
            guard seen.insert(v).inserted else { continue }
            for (n, slot) in uses(v) {
                if n.opType == "Shape" { continue }
                if slot == 0, let l = linear(at: n, input: v) { proj = l; break }
                queue += n.outputs.filter { !$0.isEmpty }
            }
        }
        guard let p = proj, p.inDim == w else {
            throw ImportError.graphMismatch(file: file, node: fin.node, expected: "a text projection [\(w), embed_dim] after the final layer norm")
        }
        // The ArgMax deciding which token is pooled, searched backwards from the projection input.
        var back = [p.input], visited: Set<String> = [], argmax: ONNXNode? = nil
        while !back.isEmpty, visited.count < 256, argmax == nil {
            let v = back.removeFirst()
            guard visited.insert(v).inserted, let n = producerNode(v) else { continue }
            if n.opType == "ArgMax" { argmax = n; break }
            back += n.inputs.filter { !$0.isEmpty }
        }
        guard let am = argmax else {
            throw ImportError.graphMismatch(file: file, node: p.node, expected: "an ArgMax over the token ids, or a Gather/Slice of the last position, selecting the pooled token")
        }
        let idsSource = source(ids)
        var v = am.input(0)
        for _ in 0..<8 {
            let s = source(v)
            if s == idsSource { return (p, .argmaxID, nil) }
            guard let n = producerNode(s) else { break }
            switch n.opType {
            case "Reshape", "Squeeze", "Unsqueeze", "Flatten": v = n.input(0)
            case "Equal":
                for (a, b) in [(0, 1), (1, 0)] {
                    if let c = constInts(n.input(b), limit: 1), c.count == 1, reachesIds(n.input(a), ids: idsSource) { return (p, .firstEOS, c[0]) }
                }
                throw ImportError.graphMismatch(file: file, node: n.name, expected: "Equal(input_ids, eos constant)")
            default:
                throw ImportError.graphMismatch(file: file, node: n.name, expected: "ArgMax over input_ids or over Equal(input_ids, eos)")
            }
        }
        throw ImportError.graphMismatch(file: file, node: am.name, expected: "ArgMax over input_ids or over Equal(input_ids, eos)")
    }

    private func reachesIds(_ value: String, ids: String) -> Bool {
        var v = value
        for _ in 0..<8 {
            let s = source(v)
            if s == ids { return true }
            guard let n = producerNode(s), ["Reshape", "Squeeze", "Unsqueeze", "Flatten"].contains(n.opType) else { return false }
            v = n.input(0)
        }
        return false
    }
}
