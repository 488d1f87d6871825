import ClipzCore

/// A matched layer norm: either one LayerNormalization node (opset ≥ 17) or the opset-14
/// chain ReduceMean → Sub → Pow → ReduceMean → Add(eps) → Sqrt → Div → Mul(w) → Add(b).
struct LNMatch {
    let output: String
    let weight: SourceTensor
    let bias: SourceTensor
    let eps: Double
    let decomposed: Bool
    let node: String
}

/// How a linear weight is stored: MatMul's [in, out], or Gemm(transB=1)'s torch layout [out, in].
enum WeightLayout { case inOut, outIn }

/// y = x·W (+ b) as MatMul(+Add) or Gemm.
struct LinearMatch {
    let input: String
    let output: String
    let weight: SourceTensor
    let layout: WeightLayout
    let bias: SourceTensor?
    let node: String
    var inDim: Int { weight.shape.count == 2 ? (layout == .inOut ? weight.shape[0] : weight.shape[1]) : 0 }
    var outDim: Int { weight.shape.count == 2 ? (layout == .inOut ? weight.shape[1] : weight.shape[0]) : 0 }
}

/// Ops that move tokens around without mixing a token's features (allowed between a value and
/// the linear layer reading it: open_clip transposes to sequence-first, dynamo flattens).
let layoutOps: Set<String> = ["Transpose", "Reshape", "Squeeze", "Unsqueeze", "Flatten"]

extension ONNXGraph {
    /// The float eps an exporter wrote as float32, as the short decimal it came from (1e-05).
    static func roundEps(_ e: Double) -> Double { Double("\(Float(e))") ?? e }

    /// A layer norm reading `x`, in either form.
    func layerNorm(from x: String) -> LNMatch? {
        for (n, slot) in uses(x) where slot == 0 {
            if n.opType == "LayerNormalization" {
                let axis = n.int("axis") ?? -1
                guard axis == -1 || axis == 2, let w = constant(source(n.input(1))), let b = constant(source(n.input(2))),
                      w.shape.count == 1, b.shape == w.shape, let out = n.outputs.first else { continue }
                return LNMatch(output: out, weight: w, bias: b, eps: ONNXGraph.roundEps(Double(n.float("epsilon") ?? 1e-5)),
                               decomposed: false, node: n.name)
            }
            if n.opType == "Sub", let m = decomposedLN(sub: n, x: x) { return m }
        }
        return nil
    }

    private func decomposedLN(sub: ONNXNode, x: String) -> LNMatch? {
        guard let mean = producerNode(source(sub.input(1))), mean.opType == "ReduceMean", source(mean.input(0)) == source(x),
              let d = sub.outputs.first else { return nil }
        for (div, slot) in uses(d) where div.opType == "Div" && slot == 0 {
            // denominator: Sqrt(Add(ReduceMean(Pow(d, 2)), eps))
            guard let sqrt = producerNode(source(div.input(1))), sqrt.opType == "Sqrt",
                  let add = producerNode(source(sqrt.input(0))), add.opType == "Add" else { continue }
            let (varIn, epsIn) = producerNode(source(add.input(0)))?.opType == "ReduceMean" ? (add.input(0), add.input(1)) : (add.input(1), add.input(0))
            guard let eps = scalar(epsIn), let rm = producerNode(source(varIn)), rm.opType == "ReduceMean",
                  let sq = producerNode(source(rm.input(0))), sq.opType == "Pow" || sq.opType == "Mul", source(sq.input(0)) == source(d),
                  let divOut = div.outputs.first else { continue }
            guard let (mul, _) = uses(divOut).first(where: { $0.node.opType == "Mul" }),
                  let w = constant(source(otherInput(mul, than: divOut))), let mulOut = mul.outputs.first,
                  let (badd, _) = uses(mulOut).first(where: { $0.node.opType == "Add" }),
                  let b = constant(source(otherInput(badd, than: mulOut))), let out = badd.outputs.first,
                  w.shape.count == 1, b.shape == w.shape else { continue }
            return LNMatch(output: out, weight: w, bias: b, eps: ONNXGraph.roundEps(eps), decomposed: true, node: sub.name)
        }
        return nil
    }

    /// The input of a two-input node that is not `value` (looking through pass-through ops).
    func otherInput(_ n: ONNXNode, than value: String) -> String {
        let s = source(value)
        if n.inputs.count == 2 { return source(n.input(0)) == s ? n.input(1) : n.input(0) }
        return ""
    }

    /// A 2-D float constant (or rows of one) usable as a weight; `transposed` when it is read through
    /// Transpose(perm 1, 0), which swaps MatMul's [in, out] for torch's [out, in].
    func weight(_ value: String) -> (ref: SourceTensor, transposed: Bool)? {
        var v = value, transposed = false
        if let t = producerNode(source(v)), t.opType == "Transpose", (t.ints("perm") ?? [1, 0]) == [1, 0] { v = t.input(0); transposed = true }
        guard let t = constantRows(v), t.shape.count == 2, t.dtype.loaded.isFloat else { return nil }
        return (t, transposed)
    }

    /// A 1-D float constant (or rows of one) of `count` elements usable as a bias.
    func bias(_ value: String, count: Int) -> SourceTensor? {
        guard let t = constantRows(value), t.elementCount == count, t.dtype.loaded.isFloat,
              t.shape.filter({ $0 != 1 }).count <= 1 else { return nil }
        return t
    }

    /// Linear layers reading `x` (directly or after layout-only ops).
    func linears(from x: String) -> [LinearMatch] {
        var out: [LinearMatch] = [], frontier = [x], seen: Set<String> = []
        for _ in 0..<4 {
            var next: [String] = []
            for v in frontier where seen.insert(v).inserted {
                for (n, slot) in uses(v) {
                    if slot == 0, let m = linear(at: n, input: v) { out.append(m) }
                    else if slot == 0, layoutOps.contains(n.opType), keepsLastAxis(n) { next += n.outputs.prefix(1) }
                }
            }
            frontier = next
        }
        return out
    }

    /// A Transpose that leaves the feature axis last (other layout ops keep it by construction here).
    private func keepsLastAxis(_ n: ONNXNode) -> Bool {
        guard n.opType == "Transpose", let perm = n.ints("perm") else { return true }
        return perm.last == perm.count - 1
    }

    /// Matches MatMul(+Add bias) or Gemm at node `n` reading `input` in slot 0.
    func linear(at n: ONNXNode, input: String) -> LinearMatch? {
        guard let out = n.outputs.first else { return nil }
        if n.opType == "MatMul", case let (w, transposed)? = weight(n.input(1)) {
            let layout: WeightLayout = transposed ? .outIn : .inOut
            let outDim = transposed ? w.shape[0] : w.shape[1]
            let u = uses(out).filter { $0.node.opType != "Shape" }
            if u.count == 1, u[0].node.opType == "Add", let b = bias(otherInput(u[0].node, than: out), count: outDim), let o = u[0].node.outputs.first {
                return LinearMatch(input: input, output: o, weight: w, layout: layout, bias: b, node: n.name)
            }
            return LinearMatch(input: input, output: out, weight: w, layout: layout, bias: nil, node: n.name)
        }
        if n.opType == "Gemm", (n.int("transA") ?? 0) == 0, (n.float("alpha") ?? 1) == 1, (n.float("beta") ?? 1) == 1,
           case let (w, transposed)? = weight(n.input(1)) {
            let layout: WeightLayout = ((n.int("transB") ?? 0) == 1) != transposed ? .outIn : .inOut
            let outDim = layout == .outIn ? w.shape[0] : w.shape[1]
            var b: SourceTensor? = nil
            if !n.input(2).isEmpty {
                guard let bb = bias(n.input(2), count: outDim) else { return nil }
                b = bb
            }
            return LinearMatch(input: input, output: out, weight: w, layout: layout, bias: b, node: n.name)
        }
        return nil
    }

    /// The linear layer whose output (possibly after layout-only ops) is `value`.
    func linear(producing value: String) -> LinearMatch? {
        var v = value
        for _ in 0..<8 {
            guard let p = producerNode(source(v)) else { return nil }
            switch p.opType {
            case "Add":
                for wi in [0, 1] {
                    if let mm = producerNode(source(p.input(wi))), mm.opType == "MatMul", let m = linear(at: mm, input: mm.input(0)),
                       m.bias != nil, m.output == p.outputs.first { return m }
                }
                return nil
            case "MatMul", "Gemm":
                return linear(at: p, input: p.input(0))
            case _ where layoutOps.contains(p.opType):
                v = p.input(0)
            default:
                return nil
            }
        }
        return nil
    }
}
