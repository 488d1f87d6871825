import ClipzCore

/// What one tower's matcher recovered: canonical tensors (as plans) and hyper-parameters.
struct TowerMatch {
    var plans: [(String, TensorPlan)] = []
    var width = 0, layers = 0, heads = 0, mlpDim = 0
    var eps = 1e-5
    var activation = Activation.quickGELU
    var projectionDim = 0
    var notes: [String] = []
    // vision (structure keys as in VisionConfig: CLIP's unless the graph shows SigLIP's)
    var imageSize = 0, patchSize = 0
    var classToken = true, preLN = true, patchBias = false, visionProjection = true
    var visionPooling = VisionConfig.Pooling.classToken
    // text
    var contextLength = 0, vocabSize = 0
    var pooling = TextPooling.argmaxID
    var eosTokenID: Int?
    var causal = true, projectionBias = false

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

    /// Adds the attention-pooling head's tensors; its heads, MLP width and activation must be the blocks'
    /// (the canonical config has one of each per tower).
    mutating func add(head h: ProbeHeadMatch, graph g: ONNXGraph) throws {
        guard h.heads == heads, h.mlp.mlpDim == mlpDim, h.mlp.activation == activation else {
            throw ImportError.graphMismatch(file: g.file, node: "vision pooling head", expected: "the blocks' heads/mlp/activation (\(heads), \(mlpDim), \(activation.rawValue)); "
                + "found \(h.heads), \(h.mlp.mlpDim), \(h.mlp.activation.rawValue)")
        }
        for (suffix, plan) in h.plans.sorted(by: { $0.key < $1.key }) {
            plans.append((suffix == "probe" ? CanonicalName.headProbe : "\(CanonicalName.head).\(suffix)", plan))
        }
        visionPooling = .attentionProbe
        if h.mlp.ln.eps != eps { notes.append("vision: pooling head LN eps \(h.mlp.ln.eps) differs from the blocks' \(eps); using the blocks'") }
        notes.append("vision: attention-probe pooling head (probe, \(h.heads) heads, LN + MLP \(h.mlp.mlpDim) residual, token 0)")
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
