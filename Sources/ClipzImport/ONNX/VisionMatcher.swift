import ClipzCore

extension ONNXGraph {
    /// The image input: a float graph input of rank 4 (pixel_values / image).
    var imageInput: ONNXInput? {
        inputs.first { [1, 10, 16].contains($0.elemType) && ($0.rank == 4 || ($0.rank == nil && $0.name.contains("pixel"))) }
    }

    /// Walks the vision tower from the image input: Conv patch embedding (with a bias in SigLIP) →
    /// flatten → Concat with the class embedding (CLIP only) → Add position embedding → pre-LN (CLIP
    /// only) → blocks → token 0 + post-LN → projection (CLIP), or post-LN over every token →
    /// attention-pooling head (SigLIP, no projection).
    func matchVision(input: String) throws -> TowerMatch {
        var m = TowerMatch()
        guard let conv = uses(input).first(where: { $0.node.opType == "Conv" && $0.slot == 0 })?.node, let convOut = conv.outputs.first else {
            throw ImportError.graphMismatch(file: file, node: input, expected: "a Conv patch embedding reading the image input")
        }
        guard let wt = constant(source(conv.input(1))), wt.shape.count == 4, wt.shape[1] == 3, wt.shape[2] == wt.shape[3], wt.shape[2] > 0,
              wt.dtype.loaded.isFloat else {
            throw ImportError.graphMismatch(file: file, node: conv.name, expected: "a constant Conv weight [width, 3, patch, patch]")
        }
        let w = wt.shape[0], p = wt.shape[2]
        guard (conv.ints("strides") ?? [1, 1]) == [p, p], (conv.int("group") ?? 1) == 1, (conv.ints("pads") ?? [0, 0, 0, 0]).allSatisfy({ $0 == 0 }) else {
            throw ImportError.graphMismatch(file: file, node: conv.name, expected: "non-overlapping patches (stride = kernel = \(p), no padding, one group)")
        }
        m.width = w; m.patchSize = p
        m.plans.append((CanonicalName.patchEmbed, TensorPlan(ref: wt, layout: .reshape, shape: wt.shape)))
        if !conv.input(2).isEmpty {
            guard let b = bias(conv.input(2), count: w) else {
                throw ImportError.graphMismatch(file: file, node: conv.name, expected: "a constant patch bias of \(w) values")
            }
            m.patchBias = true
            m.plans.append((CanonicalName.patchBias, .vector(b)))
        }

        // Patch tokens go through layout ops into a Concat with the class embedding (CLIP), or straight
        // into the position Add (SigLIP).
        let layout: Set<String> = ["Reshape", "Flatten", "Transpose", "Squeeze"]
        let stream: String
        if let cat = firstUse(of: convOut, in: ["Concat"], through: layout), let catOut = cat.outputs.first, cat.inputs.count == 2 {
            let classSide = cat.inputs.first { !forwardValues(convOut, stopAt: []).contains($0) } ?? ""
            guard let cls = embeddingConstant(classSide, elements: w) else {
                throw ImportError.graphMismatch(file: file, node: cat.name, expected: "a constant class embedding of \(w) values (through Expand/Reshape)")
            }
            m.plans.append((CanonicalName.classEmbed, TensorPlan(ref: cls, layout: .reshape, shape: [w])))
            stream = catOut
        } else if let add = firstUse(of: convOut, in: ["Add"], through: layout) {
            m.classToken = false
            stream = add.inputs.first { positionTable($0, width: w) == nil } ?? ""
        } else {
            throw ImportError.graphMismatch(file: file, node: conv.name, expected: "patch tokens concatenated with a class embedding or added to a position embedding")
        }

        // Position embedding added to all tokens.
        guard let add = uses(stream).first(where: { $0.node.opType == "Add" })?.node, let addOut = add.outputs.first,
              let pos = positionTable(otherInput(add, than: stream), width: w) else {
            throw ImportError.graphMismatch(file: file, node: producerNode(stream)?.name ?? conv.name, expected: "Add of a constant position embedding [tokens, \(w)]")
        }
        let tokens = pos.elementCount / w, extra = m.classToken ? 1 : 0
        let grid = tokens >= 1 + extra && tokens <= 1 << 24 ? Int(Double(tokens - extra).squareRoot().rounded()) : 0
        guard grid > 0, grid * grid == tokens - extra else {
            throw ImportError.graphMismatch(file: file, node: add.name, expected: m.classToken ? "grid² + 1 position rows (found \(tokens))" : "grid² position rows (found \(tokens))")
        }
        m.imageSize = grid * p
        m.plans.append((CanonicalName.visionPos, TensorPlan(ref: pos, layout: .reshape, shape: [tokens, w])))

        // A block straight after the position Add means there is no pre-LN (SigLIP).
        var (blocks, last) = try self.blocks(from: addOut, width: w)
        var pre: LNMatch?
        if blocks.isEmpty {
            guard let ln = layerNorm(from: addOut), ln.weight.elementCount == w else {
                throw ImportError.graphMismatch(file: file, node: add.name, expected: "the pre-transformer layer norm")
            }
            m.plans += [(CanonicalName.preLN + ".weight", .vector(ln.weight)), (CanonicalName.preLN + ".bias", .vector(ln.bias))]
            (blocks, last) = try self.blocks(from: ln.output, width: w)
            pre = ln
        }
        m.preLN = pre != nil
        try m.add(blocks: blocks, tower: .vision, graph: self)
        if let pre, pre.eps != m.eps { m.notes.append("vision: pre-LN eps \(pre.eps) differs from the blocks' \(m.eps); using the blocks'") }

        // Post: token 0 then LN (Hugging Face), or LN then token 0 (open_clip); or LN then the pooling head.
        let post: LNMatch, pooled: String
        var head: ProbeHeadMatch?
        if m.classToken, let sel = tokenZero(last), let ln = layerNorm(from: sel) { post = ln; pooled = ln.output }
        else if m.classToken, let ln = layerNorm(from: last), let sel = tokenZero(ln.output) { post = ln; pooled = sel }
        else if let ln = layerNorm(from: last), ln.weight.elementCount == w, let h = try probeHead(tokens: ln.output, width: w) {
            post = ln; pooled = h.output; head = h
        } else if !m.classToken, let ln = layerNorm(from: last) {
            throw ImportError.graphMismatch(file: file, node: ln.node, expected: "an attention-pooling head reading the post layer norm's tokens: a key/value "
                + "MatMul/Gemm whose weight is a constant, or rows of one cut by Split or a constant Slice")
        } else {
            throw ImportError.graphMismatch(file: file, node: producerNode(last)?.name ?? last, expected: m.classToken
                ? "class-token selection (Gather/Slice of token 0) and the post layer norm after the last block"
                : "the post layer norm after the last block and an attention-pooling head")
        }
        guard post.weight.elementCount == w else { throw ImportError.graphMismatch(file: file, node: post.node, expected: "post layer norm of width \(w)") }
        m.plans += [(CanonicalName.postLN + ".weight", .vector(post.weight)), (CanonicalName.postLN + ".bias", .vector(post.bias))]
        if post.eps != m.eps { m.notes.append("vision: post-LN eps \(post.eps) differs from the blocks' \(m.eps); using the blocks'") }
        if let h = head { try m.add(head: h, graph: self) }
        var projected = "none (the pooled width is the embedding)"
        if head == nil || !linears(from: pooled).isEmpty {
            let proj = try projection(from: pooled, width: w, node: post.node)
            m.projectionDim = proj.outDim
            m.plans.append((CanonicalName.visionProj, .linearWeight(proj)))
            projected = "\(proj.outDim)"
        } else {
            m.visionProjection = false
            m.projectionDim = w
        }
        m.notes.append("vision: image \(m.imageSize) from Conv patch \(p) × \(grid) grid (\(tokens) position rows), width \(w), projection \(projected)"
            + (m.classToken ? "" : "; no class token") + (m.patchBias ? ", patch bias" : "") + (m.preLN ? "" : ", no pre-LN"))
        return m
    }

    /// Token 0 of a [batch, tokens, width] value: Gather(axis 1, index 0) or Slice(0:1 on axis 1).
    func tokenZero(_ x: String) -> String? { selectToken(x, position: 0) }

    /// Token `position` of a [batch, tokens, width] value: Gather(axis 1, that index) or a one-token
    /// Slice on axis 1; indices from the back (-1) count only when `count` (the token count) is known.
    func selectToken(_ x: String, position: Int, count: Int? = nil) -> String? {
        let tokens = count ?? 1 << 30
        for (n, slot) in uses(x) where slot == 0 {
            if n.opType == "Gather", [1, -2].contains(n.int("axis") ?? 0), let i = constInts(n.input(1), limit: 1), i.count == 1,
               (i[0] < 0 ? i[0] + tokens : i[0]) == position { return n.outputs.first }
            if n.opType == "Slice", let st = constInts(n.input(1), limit: 1), st.count == 1, let en = constInts(n.input(2), limit: 1), en.count == 1,
               ONNXGraph.clampedRange(start: st[0], end: en[0], count: tokens) == position..<(position + 1),
               [[1], [-2]].contains(constInts(n.input(3), limit: 1) ?? []), n.input(4).isEmpty || constInts(n.input(4), limit: 1) == [1] {
                return n.outputs.first
            }
        }
        return nil
    }

    /// A constant holding one embedding vector, reached back through broadcast/reshape ops.
    func embeddingConstant(_ value: String, elements: Int) -> SourceTensor? {
        var v = value
        for _ in 0..<8 {
            if let c = constant(source(v)), c.elementCount == elements, c.dtype.loaded.isFloat { return c }
            guard let p = producerNode(source(v)), ["Expand", "Reshape", "Unsqueeze", "Tile", "Squeeze", "Transpose"].contains(p.opType) else { return nil }
            v = p.input(0)
        }
        return nil
    }

    /// A position table [rows, width]: a constant added directly, or Gather(table, 0..<rows).
    func positionTable(_ value: String, width w: Int) -> SourceTensor? {
        if let c = constant(source(value)), c.dtype.loaded.isFloat, c.shape.last == w, c.shape.count >= 2,
           c.shape.dropLast().filter({ $0 != 1 }).count <= 1 { return c }
        guard let g = producerNode(source(value)), g.opType == "Gather", (g.int("axis") ?? 0) == 0,
              let table = constant(source(g.input(0))), table.shape.count == 2, table.shape[1] == w, table.dtype.loaded.isFloat else { return nil }
        // Indices: a constant arange over the whole table, or a Slice of one (text, dynamic length).
        if let idx = constInts(g.input(1), limit: 1 << 20) { return idx == Array(0..<table.shape[0]) ? table : nil }
        if let s = producerNode(source(g.input(1))), s.opType == "Slice", let idx = constInts(s.input(0), limit: 1 << 20),
           idx == Array(0..<table.shape[0]) { return table }
        return nil
    }
}
