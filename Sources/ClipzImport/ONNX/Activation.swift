import ClipzCore

extension ONNXGraph {
    /// Classifies the element-wise activation between fc1's output and fc2's input by the ops
    /// on the paths joining them: x·sigmoid(1.702x) → QuickGELU; Erf chain or Gelu → GELU;
    /// Tanh chain or Gelu(approximate=tanh) → tanh GELU.
    /// - Throws: `graphMismatch` naming the first node that fits none of them.
    func activation(from a: String, to b: String) throws -> Activation {
        var nodesSeen: [ONNXNode] = [], seen: Set<Int> = [], stack = [b]
        let start = source(a)
        while let v = stack.popLast() {
            if source(v) == start || v == a { continue }
            if constantThroughCast(v) != nil { continue }
            guard let p = producer[v] else {
                throw ImportError.graphMismatch(file: file, node: v, expected: "the MLP activation to read only the first MLP linear's output")
            }
            guard seen.insert(p).inserted else { continue }
            nodesSeen.append(nodes[p])
            guard nodesSeen.count <= 32 else {
                throw ImportError.graphMismatch(file: file, node: nodes[p].name, expected: "a short element-wise activation between the MLP linears")
            }
            stack += nodes[p].inputs.filter { !$0.isEmpty }
        }
        let ops = Set(nodesSeen.map(\.opType)).subtracting(ONNXGraph.passthrough)
        let first = nodesSeen.last?.name ?? b
        if ops.isEmpty { throw ImportError.graphMismatch(file: file, node: first, expected: "an activation between the MLP linears") }
        if let g = nodesSeen.first(where: { $0.opType == "Gelu" }), ops == ["Gelu"] {
            return g.string("approximate") == "tanh" ? .geluTanh : .gelu
        }
        if ops.contains("Sigmoid"), ops.isSubset(of: ["Mul", "Sigmoid"]) {
            let has1702 = nodesSeen.contains { n in
                n.opType == "Mul" && n.inputs.contains { scalar($0).map { abs($0 - 1.702) < 1e-3 } ?? false }
            }
            if has1702 { return .quickGELU }
            throw ImportError.graphMismatch(file: file, node: first, expected: "QuickGELU x·sigmoid(1.702·x); found a sigmoid gate without the 1.702 factor (SiLU is not CLIP)")
        }
        if ops.contains("Erf"), ops.isSubset(of: ["Erf", "Mul", "Div", "Add"]) { return .gelu }
        let cubic = ops.contains("Pow") || nodesSeen.contains { n in n.inputs.contains { scalar($0).map { abs($0 - 0.044715) < 1e-5 } ?? false } }
        if ops.contains("Tanh"), cubic, ops.isSubset(of: ["Tanh", "Mul", "Div", "Add", "Pow"]) { return .geluTanh }
        let odd = nodesSeen.first { !["Mul", "Div", "Add", "Pow", "Sigmoid", "Erf", "Tanh", "Gelu"].contains($0.opType) && !ONNXGraph.passthrough.contains($0.opType) }
        throw ImportError.graphMismatch(file: file, node: (odd ?? nodesSeen.last)?.name ?? first,
                                        expected: "a known MLP activation (QuickGELU, GELU erf, GELU tanh); found ops \(ops.sorted())")
    }
}
