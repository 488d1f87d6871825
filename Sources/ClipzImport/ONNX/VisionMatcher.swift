import ClipzCore

extension ONNXGraph {
    /// The image input: a float graph input of rank 4 (pixel_values / image).
    var imageInput: ONNXInput? {
        inputs.first { [1, 10, 16].contains($0.elemType) && ($0.rank == 4 || ($0.rank == nil && $0.name.contains("pixel"))) }
    }

    /// Walks the vision tower from the image input: Conv patch embedding → flatten → Concat with
    /// the class embedding → Add position embedding → pre-LN → blocks → token 0 + post-LN → projection.
    func matchVision(input: String) throws -> TowerMatch {
        var m = TowerMatch()
        guard let conv = uses(input).first(where: { $0.node.opType == "Conv" && $0.slot == 0 })?.node, let convOut = conv.outputs.first else {
            throw ImportError.graphMismatch(file: file, node: input, expected: "a Conv patch embedding reading the image input")
        }
        guard let wt = constant(source(conv.input(1))), wt.shape.count == 4, wt.shape[1] == 3, wt.shape[2] == wt.shape[3], wt.shape[2] > 0,
              wt.dtype?.isFloat == true else {
            throw ImportError.graphMismatch(file: file, node: conv.name, expected: "a constant Conv weight [width, 3, patch, patch]")
        }
        let w = wt.shape[0], p = wt.shape[2]
        guard (conv.ints("strides") ?? [1, 1]) == [p, p], (conv.int("group") ?? 1) == 1, (conv.ints("pads") ?? [0, 0, 0, 0]).allSatisfy({ $0 == 0 }) else {
            throw ImportError.graphMismatch(file: file, node: conv.name, expected: "non-overlapping patches (stride = kernel = \(p), no padding, one group)")
        }
        guard conv.input(2).isEmpty else { throw ImportError.unsupported(file: file, detail: "patch Conv '\(conv.name)' has a bias (CLIP's has none)") }
        m.width = w; m.patchSize = p
        m.plans.append((CanonicalName.patchEmbed, TensorPlan(ref: wt, layout: .reshape, shape: wt.shape)))

        // Patch tokens go through layout ops into a Concat with the class embedding.
        guard let cat = firstUse(of: convOut, in: ["Concat"], through: ["Reshape", "Flatten", "Transpose", "Squeeze"]), let catOut = cat.outputs.first,
              cat.inputs.count == 2 else {
            throw ImportError.graphMismatch(file: file, node: conv.name, expected: "patch tokens concatenated with a class embedding")
        }
        let classSide = cat.inputs.first { !forwardValues(convOut, stopAt: []).contains($0) } ?? ""
        guard let cls = embeddingConstant(classSide, elements: w) else {
            throw ImportError.graphMismatch(file: file, node: cat.name, expected: "a constant class embedding of \(w) values (through Expand/Reshape)")
        }
        m.plans.append((CanonicalName.classEmbed, TensorPlan(ref: cls, layout: .reshape, shape: [w])))

        // Position embedding added to all tokens.
        guard let add = uses(catOut).first(where: { $0.node.opType == "Add" })?.node, let addOut = add.outputs.first,
              let pos = positionTable(otherInput(add, than: catOut), width: w) else {
            throw ImportError.graphMismatch(file: file, node: cat.name, expected: "Add of a constant position embedding [tokens, \(w)]")
        }
        let tokens = pos.elementCount / w
        let grid = tokens >= 2 && tokens <= 1 << 24 ? Int(Double(tokens - 1).squareRoot().rounded()) : 0
        guard grid > 0, grid * grid == tokens - 1 else {
            throw ImportError.graphMismatch(file: file, node: add.name, expected: "grid² + 1 position rows (found \(tokens))")
        }
        m.imageSize = grid * p
        m.plans.append((CanonicalName.visionPos, TensorPlan(ref: pos, layout: .reshape, shape: [tokens, w])))

        guard let pre = layerNorm(from: addOut), pre.weight.elementCount == w else {
            throw ImportError.graphMismatch(file: file, node: add.name, expected: "the pre-transformer layer norm")
        }
        m.plans += [(CanonicalName.preLN + ".weight", .vector(pre.weight)), (CanonicalName.preLN + ".bias", .vector(pre.bias))]
        let (blocks, last) = try self.blocks(from: pre.output, width: w)
        try m.add(blocks: blocks, tower: .vision, graph: self)
        if pre.eps != m.eps { m.notes.append("vision: pre-LN eps \(pre.eps) differs from the blocks' \(m.eps); using the blocks'") }

        // Post: token 0 then LN (Hugging Face), or LN then token 0 (open_clip).
        let post: LNMatch, pooled: String
        if let sel = tokenZero(last), let ln = layerNorm(from: sel) { post = ln; pooled = ln.output }
        else if let ln = layerNorm(from: last), let sel = tokenZero(ln.output) { post = ln; pooled = sel }
        else {
            throw ImportError.graphMismatch(file: file, node: producerNode(last)?.name ?? last, expected: "class-token selection (Gather/Slice of token 0) and the post layer norm after the last block")
        }
        guard post.weight.elementCount == w else { throw ImportError.graphMismatch(file: file, node: post.node, expected: "post layer norm of width \(w)") }
        m.plans += [(CanonicalName.postLN + ".weight", .vector(post.weight)), (CanonicalName.postLN + ".bias", .vector(post.bias))]
        let proj = try projection(from: pooled, width: w, node: post.node)
        m.projectionDim = proj.outDim
        m.plans.append((CanonicalName.visionProj, .linearWeight(proj)))
        m.notes.append("vision: image \(m.imageSize) from Conv patch \(p) × \(grid) grid (\(tokens) position rows), width \(w), projection \(proj.outDim)")
        return m
    }

    /// Token 0 of a [batch, tokens, width] value: Gather(axis 1, index 0) or Slice(0:1 on axis 1).
    func tokenZero(_ x: String) -> String? {
        for (n, slot) in uses(x) where slot == 0 {
            if n.opType == "Gather", (n.int("axis") ?? 0) == 1, constInts(n.input(1), limit: 1) == [0] { return n.outputs.first }
            if n.opType == "Slice", constInts(n.input(1), limit: 1) == [0], constInts(n.input(2), limit: 1) == [1],
               constInts(n.input(3), limit: 1) == [1], n.input(4).isEmpty || constInts(n.input(4), limit: 1) == [1] { return n.outputs.first }
        }
        return nil
    }

    /// A constant holding one embedding vector, reached back through broadcast/reshape ops.
    func embeddingConstant(_ value: String, elements: Int) -> ONNXTensorRef? {
        var v = value
        for _ in 0..<8 {
            if let c = constant(source(v)), c.elementCount == elements, c.dtype?.isFloat == true { return c }
            guard let p = producerNode(source(v)), ["Expand", "Reshape", "Unsqueeze", "Tile", "Squeeze"].contains(p.opType) else { return nil }
            v = p.input(0)
        }
        return nil
    }

    /// A position table [rows, width]: a constant added directly, or Gather(table, 0..<rows).
    func positionTable(_ value: String, width w: Int) -> ONNXTensorRef? {
        if let c = constant(source(value)), c.dtype?.isFloat == true, c.shape.last == w, c.shape.count >= 2,
           c.shape.dropLast().filter({ $0 != 1 }).count <= 1 { return c }
        guard let g = producerNode(source(value)), g.opType == "Gather", (g.int("axis") ?? 0) == 0,
              let table = constant(source(g.input(0))), table.shape.count == 2, table.shape[1] == w, table.dtype?.isFloat == true else { return nil }
        // Indices: a constant arange over the whole table, or a Slice of one (text, dynamic length).
        if let idx = constInts(g.input(1), limit: 1 << 20) { return idx == Array(0..<table.shape[0]) ? table : nil }
        if let s = producerNode(source(g.input(1))), s.opType == "Slice", let idx = constInts(s.input(0), limit: 1 << 20),
           idx == Array(0..<table.shape[0]) { return table }
        return nil
    }
}
