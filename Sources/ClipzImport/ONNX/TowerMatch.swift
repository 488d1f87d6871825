import ClipzCore

/// What one tower's matcher recovered: canonical tensors (as plans) and hyper-parameters.
struct TowerMatch {
    var plans: [(String, TensorPlan)] = []
    var width = 0, layers = 0, heads = 0, mlpDim = 0
    var eps = 1e-5
    var activation = Activation.quickGELU
    var projectionDim = 0
    var notes: [String] = []
    // vision
    var imageSize = 0, patchSize = 0
    // text
    var contextLength = 0, vocabSize = 0
    var pooling = TextPooling.argmaxID
    var eosTokenID: Int?

    /// Adds the blocks' tensors and checks that all blocks agree on heads, MLP width, activation and eps.
    mutating func add(blocks: [BlockMatch], tower: CanonicalName.Tower, graph g: ONNXGraph) throws {
        guard let first = blocks.first else {
            throw ImportError.graphMismatch(file: g.file, node: "\(tower.rawValue) tower", expected: "at least one transformer block")
        }
        for (i, b) in blocks.enumerated() {
            guard b.heads == first.heads, b.mlpDim == first.mlpDim, b.activation == first.activation, b.eps == first.eps else {
                throw ImportError.graphMismatch(file: g.file, node: "\(tower.rawValue) block \(i)",
                                                expected: "blocks with identical heads/mlp/activation/eps (block 0: \(first.heads), \(first.mlpDim), \(first.activation.rawValue), \(first.eps))")
            }
            for p in CanonicalName.layerParams {
                guard let plan = b.plans[p] else {
                    throw ImportError.graphMismatch(file: g.file, node: "\(tower.rawValue) block \(i)", expected: "parameter \(p)")
                }
                plans.append((CanonicalName.layer(tower, i, p), plan))
            }
        }
        layers = blocks.count; heads = first.heads; mlpDim = first.mlpDim; activation = first.activation; eps = first.eps
        notes.append("\(tower.rawValue): \(layers) blocks, \(heads) heads (from Reshape shape constants), mlp \(mlpDim), activation \(activation.rawValue) (from the op pattern), layer norm \(first.decomposedLN ? "decomposed ReduceMean/Sub/Pow/Sqrt chain" : "LayerNormalization op") eps \(eps), q/k/v \(first.packedQKV ? "packed" : "separate")")
    }
}

extension ONNXGraph {
    /// The projection reading `x` (possibly after layout ops): a linear without bias.
    func projection(from x: String, width w: Int, node: String) throws -> LinearMatch {
        let ls = linears(from: x)
        guard ls.count == 1, let p = ls.first, p.inDim == w, p.bias == nil else {
            throw ImportError.graphMismatch(file: file, node: node, expected: "one projection MatMul/Gemm [\(w), embed_dim] without bias (found \(ls.count) linear(s))")
        }
        return p
    }

    /// Follows `x` forward through Cast/Reshape/Squeeze-like ops to the first node of `ops`.
    func firstUse(of x: String, in ops: Set<String>, through skip: Set<String> = ["Reshape", "Squeeze", "Unsqueeze", "Flatten"]) -> ONNXNode? {
        var v = x
        for _ in 0..<8 {
            let u = uses(v)
            if let hit = u.first(where: { ops.contains($0.node.opType) }) { return hit.node }
            guard let s = u.first(where: { skip.contains($0.node.opType) && $0.slot == 0 }), let o = s.node.outputs.first else { return nil }
            v = o
        }
        return nil
    }
}
