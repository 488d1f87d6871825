import ClipzCore

/// The attention core found between the q/k/v projections and the output projection:
/// scores = MatMul(q', k'ᵀ) → (mask, scale) → Softmax → MatMul(·, v').
struct AttentionCore {
    let scores: ONNXNode
    let softmax: ONNXNode
    let context: ONNXNode
}

enum QKVRole: Int { case q = 0, k = 1, v = 2 }

extension ONNXGraph {
    /// Values reachable forward from `start` along data inputs, stopping at the attention MatMuls.
    func forwardValues(_ start: String, stopAt: Set<Int>, cap: Int = 512) -> Set<String> {
        var seen: Set<String> = [start], stack = [start]
        while let v = stack.popLast(), seen.count < cap {
            for n in consumerNodes(v) where !stopAt.contains(n.index) {
                if ["Shape", "Size", "ConstantOfShape"].contains(n.opType) { continue }
                let dataOnlyFirst: Set<String> = ["Reshape", "Slice", "Gather", "Expand", "Squeeze", "Unsqueeze", "Tile", "Split", "Transpose"]
                if dataOnlyFirst.contains(n.opType) && n.input(0) != v { continue }
                for o in n.outputs where !o.isEmpty && seen.insert(o).inserted { stack.append(o) }
            }
        }
        return seen
    }

    /// Finds the single Softmax downstream of the projections and the two MatMuls around it.
    func attentionCore(from starts: [String], endNode: String) throws -> AttentionCore {
        var softmaxes: [ONNXNode] = []
        var seen: Set<String> = [], stack = starts
        while let v = stack.popLast(), seen.count < 2048 {
            guard seen.insert(v).inserted else { continue }
            for n in consumerNodes(v) {
                if n.opType == "Softmax" { if !softmaxes.contains(where: { $0.index == n.index }) { softmaxes.append(n) }; continue }
                if n.opType == "Shape" || n.name == endNode { continue }
                stack += n.outputs.filter { !$0.isEmpty }
            }
        }
        guard softmaxes.count == 1, let sm = softmaxes.first, let smOut = sm.outputs.first else {
            throw ImportError.graphMismatch(file: file, node: endNode, expected: "exactly one Softmax between the q/k/v projections and the output projection (found \(softmaxes.count))")
        }
        // The probabilities may pass through a NaN guard (Where(IsNaN(p), 0, p)) before MatMul(p, v).
        var ctxNode: ONNXNode? = nil, probs = [smOut]
        for _ in 0..<4 where ctxNode == nil {
            var next: [String] = []
            for pv in probs {
                for (n, slot) in uses(pv) {
                    if n.opType == "MatMul" && slot == 0 { ctxNode = n }
                    if n.opType == "Where" && slot == 2 { next += n.outputs.prefix(1) }
                }
            }
            probs = next
        }
        guard let ctx = ctxNode else {
            throw ImportError.graphMismatch(file: file, node: sm.name, expected: "MatMul(softmax, v)")
        }
        // Walk back from the Softmax through scale/mask ops (breadth first, a few nodes) to the
        // scores MatMul: the first MatMul with two computed operands.
        var queue = [sm.input(0)], visited: Set<String> = []
        while !queue.isEmpty && visited.count < 24 {
            let v = queue.removeFirst()
            guard visited.insert(v).inserted, constantThroughCast(v) == nil, let p = producerNode(source(v)) else { continue }
            if p.opType == "MatMul" && constant(source(p.input(0))) == nil && constant(source(p.input(1))) == nil {
                return AttentionCore(scores: p, softmax: sm, context: ctx)
            }
            if ["Add", "Mul", "Div", "Sub", "Where", "Reshape"].contains(p.opType) { queue += p.inputs.filter { !$0.isEmpty } }
        }
        throw ImportError.graphMismatch(file: file, node: sm.name, expected: "Softmax fed by MatMul(q, kᵀ) (optionally scaled and masked)")
    }

    /// Which of q, k, v a projection output feeds, by where it enters the attention MatMuls.
    func role(of value: String, core: AttentionCore) -> QKVRole? {
        let reach = forwardValues(value, stopAt: [core.scores.index, core.context.index])
        let hits: [QKVRole] = [reach.contains(core.scores.input(0)) ? .q : nil,
                               reach.contains(core.scores.input(1)) ? .k : nil,
                               reach.contains(core.context.input(1)) ? .v : nil].compactMap { $0 }
        return hits.count == 1 ? hits[0] : nil
    }

    /// The `parts` slices of a packed [W, parts·W] projection (q/k/v, or k/v of a pooling head):
    /// Gather(i) / Split output i / Slice(i·W).
    func packedSlots(_ packed: String, width: Int, parts: Int = 3) -> [Int: String] {
        var out: [Int: String] = [:], stack = [packed], seen: Set<String> = []
        while let v = stack.popLast(), seen.count < 64 {
            guard seen.insert(v).inserted else { continue }
            for (n, slot) in uses(v) where slot == 0 {
                switch n.opType {
                case "Reshape", "Unsqueeze", "Squeeze", "Transpose": stack += n.outputs.prefix(1)
                case "Gather":
                    if let i = constInts(n.input(1), limit: 1), i.count == 1, (0..<parts).contains(i[0]), let o = n.outputs.first { out[i[0]] = o }
                case "Split":
                    if n.outputs.count == parts { for (i, o) in n.outputs.enumerated() { out[i] = o } }
                case "Slice":
                    if let s = constInts(n.input(1), limit: 1), s.count == 1, width > 0, s[0] % width == 0, (0..<parts).contains(s[0] / width),
                       let o = n.outputs.first { out[s[0] / width] = o }
                default: break
                }
            }
        }
        return out
    }

    /// Head count from the Reshape shape constants on the q/k/v paths.
    func heads(paths: [String], core: AttentionCore, width: Int, at node: String) throws -> Int {
        var found: Set<Int> = []
        for start in paths {
            for v in forwardValues(start, stopAt: [core.scores.index, core.context.index]) {
                for n in consumerNodes(v) where n.opType == "Reshape" && n.input(0) == v {
                    guard let s = shapeElements(n.input(1)) else { continue }
                    found.formUnion(headCandidates(s, width: width))
                }
            }
        }
        guard found.count == 1, let h = found.first else {
            throw ImportError.graphMismatch(file: file, node: node, expected: found.isEmpty
                ? "a Reshape to [.., heads, head_dim] on the q/k/v path (head count not found)"
                : "one head count; Reshape constants disagree: \(found.sorted()) (0 = a head_dim that does not divide width \(width))")
        }
        return h
    }

    private func headCandidates(_ s: [ShapeElement], width w: Int) -> Set<Int> {
        var out: Set<Int> = []
        let ok = { (h: Int) in h > 0 && h <= w && w % h == 0 }
        for e in s {
            switch e {
            case let .times(c) where ok(c), let .divided(c) where ok(c): out.insert(c)
            default: break
            }
        }
        if !out.isEmpty { return out }
        // torch's MultiheadAttention (a pooling head): [tokens, batch·heads, head_dim].
        if s.count == 3, case let .known(hd) = s[2], hd > 0, hd < w, w % hd == 0 { return [w / hd] }
        if s.count != 4 { return out }
        if case let .known(hd) = s[3], hd > 0 {
            // A head_dim that does not divide the width is recorded as 0 so it conflicts.
            return hd < w && w % hd == 0 ? [w / hd] : hd == w ? [] : [0]
        }
        let mids = s[1...2].compactMap { e -> Int? in if case let .known(c) = e, c > 1, ok(c) { return c }; return nil }
        return mids.count == 1 ? [mids[0]] : []
    }
}
