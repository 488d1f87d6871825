import ClipzCore

/// One pre-norm transformer block: x + attn(ln1(x)), then y + mlp(ln2(y)).
struct BlockMatch {
    /// Canonical per-layer parameter suffix ("ln1.weight", "attn.q.weight"...) → plan.
    var plans: [String: TensorPlan]
    let heads: Int
    let eps: Double
    let decomposedLN: Bool
    let packedQKV: Bool
    let core: AttentionCore
    let mlp: MLPMatch
    var mlpDim: Int { mlp.mlpDim }
    var activation: Activation { mlp.activation }
    /// The residual stream after the block.
    var output: String { mlp.output }
}

/// The MLP half of a block: layer norm, two linears around the activation, residual Add (its tensor
/// plans go straight into the block's or head's).
struct MLPMatch {
    let mlpDim: Int
    let activation: Activation
    let ln: LNMatch
    /// The residual stream after the MLP.
    let output: String
}

extension ONNXGraph {
    /// Matches the block reading stream value `x`. Returns nil when `x` does not start a block
    /// (no layer norm plus residual Add); throws when a block starts but does not complete.
    func block(at x: String, width w: Int) throws -> BlockMatch? {
        guard let ln1 = layerNorm(from: x) else { return nil }
        guard let (res1, outLin) = residual(of: x) else { return nil }
        let lins = linears(from: ln1.output)
        var plans: [String: TensorPlan] = ["ln1.weight": .vector(ln1.weight), "ln1.bias": .vector(ln1.bias)]
        guard ln1.weight.elementCount == w, outLin.inDim == w, outLin.outDim == w, let outBias = outLin.bias else {
            throw ImportError.graphMismatch(file: file, node: outLin.node, expected: "attention output projection [\(w), \(w)] with bias after '\(ln1.node)'")
        }
        let core: AttentionCore, paths: [String], packed: Bool
        if lins.count == 3, lins.allSatisfy({ $0.inDim == w && $0.outDim == w && $0.bias != nil }) {
            core = try attentionCore(from: lins.map(\.output), endNode: outLin.node)
            var byRole: [QKVRole: LinearMatch] = [:]
            for l in lins {
                guard let r = role(of: l.output, core: core), byRole[r] == nil else {
                    throw ImportError.graphMismatch(file: file, node: l.node, expected: "a projection feeding exactly one of q, k, v")
                }
                byRole[r] = l
            }
            for (r, key) in [(QKVRole.q, "q"), (.k, "k"), (.v, "v")] {
                guard let l = byRole[r], let b = l.bias else { continue }
                plans["attn.\(key).weight"] = .linearWeight(l); plans["attn.\(key).bias"] = .vector(b)
            }
            paths = lins.map(\.output); packed = false
        } else if lins.count == 1, lins[0].inDim == w, lins[0].outDim == 3 * w, let pb = lins[0].bias {
            let l = lins[0]
            let slots = packedSlots(l.output, width: w)
            guard slots.count == 3 else {
                throw ImportError.graphMismatch(file: file, node: l.node, expected: "packed q/k/v split into 3 parts by Gather, Split or Slice (found \(slots.count))")
            }
            core = try attentionCore(from: Array(slots.values), endNode: outLin.node)
            for (slot, value) in slots {
                guard let r = role(of: value, core: core) else {
                    throw ImportError.graphMismatch(file: file, node: l.node, expected: "packed slice \(slot) to feed one of q, k, v")
                }
                let key = ["q", "k", "v"][r.rawValue]
                plans["attn.\(key).weight"] = .packedWeight(l, part: slot, of: 3)
                plans["attn.\(key).bias"] = .packedBias(pb, part: slot, of: 3)
            }
            paths = Array(slots.values); packed = true
        } else {
            throw ImportError.graphMismatch(file: file, node: ln1.node, expected: "q, k, v projections [\(w), \(w)] with bias (three MatMul/Gemm, or one packed [\(w), \(3 * w)]) after the layer norm; found \(lins.count) linear(s)")
        }
        guard ["q", "k", "v"].allSatisfy({ plans["attn.\($0).weight"] != nil }) else {
            throw ImportError.graphMismatch(file: file, node: ln1.node, expected: "distinct q, k and v projections")
        }
        let heads = try self.heads(paths: paths, core: core, width: w, at: core.scores.name)
        plans["attn.out.weight"] = .linearWeight(outLin); plans["attn.out.bias"] = .vector(outBias)

        guard let y = res1.outputs.first else {
            throw ImportError.graphMismatch(file: file, node: res1.name, expected: "a layer norm after the attention residual Add")
        }
        let mlp = try mlpHalf(at: y, width: w, after: res1.name, ln: "ln2", into: &plans)
        if ln1.eps != mlp.ln.eps {
            throw ImportError.graphMismatch(file: file, node: mlp.ln.node, expected: "the same layer norm eps in a block (\(ln1.eps) vs \(mlp.ln.eps))")
        }
        return BlockMatch(plans: plans, heads: heads, eps: ln1.eps, decomposedLN: ln1.decomposed, packedQKV: packed, core: core, mlp: mlp)
    }

    /// The MLP half of a pre-norm block (also the pooling head's): y + fc2(act(fc1(ln(y)))), its
    /// parameters added to `plans` keyed `<ln>.weight`, `<ln>.bias`, `mlp.fc1.weight`... `after` names
    /// the node before `y`.
    func mlpHalf(at y: String, width w: Int, after: String, ln key: String,
                 into plans: inout [String: TensorPlan]) throws -> MLPMatch {
        guard let ln = layerNorm(from: y), ln.weight.elementCount == w else {
            throw ImportError.graphMismatch(file: file, node: after, expected: "a layer norm after the attention residual Add")
        }
        let fcs = linears(from: ln.output)
        guard fcs.count == 1, let fc1 = fcs.first, fc1.inDim == w, let b1 = fc1.bias else {
            throw ImportError.graphMismatch(file: file, node: ln.node, expected: "one MLP input linear [\(w), mlp] with bias (found \(fcs.count))")
        }
        guard let (res2, fc2) = residual(of: y), fc2.inDim == fc1.outDim, fc2.outDim == w, let b2 = fc2.bias, let z = res2.outputs.first else {
            throw ImportError.graphMismatch(file: file, node: fc1.node, expected: "MLP output linear [\(fc1.outDim), \(w)] with bias feeding the second residual Add")
        }
        let act = try activation(from: fc1.output, to: fc2.input)
        plans.merge([
            "\(key).weight": .vector(ln.weight), "\(key).bias": .vector(ln.bias),
            "mlp.fc1.weight": .linearWeight(fc1), "mlp.fc1.bias": .vector(b1), "mlp.fc2.weight": .linearWeight(fc2), "mlp.fc2.bias": .vector(b2),
        ]) { old, _ in old }
        return MLPMatch(mlpDim: fc1.outDim, activation: act, ln: ln, output: z)
    }

    /// The residual Add reading stream value `x` whose other operand is a linear layer's output.
    func residual(of x: String) -> (ONNXNode, LinearMatch)? {
        for (n, _) in uses(x) where n.opType == "Add" {
            let other = otherInput(n, than: x)
            if other.isEmpty || constantThroughCast(other) != nil { continue }
            if let l = linear(producing: other) { return (n, l) }
        }
        return nil
    }

    /// Consecutive blocks from `x`; returns them and the stream value after the last one.
    func blocks(from x: String, width w: Int) throws -> ([BlockMatch], String) {
        var out: [BlockMatch] = [], cur = x
        while out.count < 1024, let b = try block(at: cur, width: w) { out.append(b); cur = b.output }
        return (out, cur)
    }
}
