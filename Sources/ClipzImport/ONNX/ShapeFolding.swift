import ClipzCore

/// One element of a small integer tensor under partial evaluation: a constant, an unknown
/// (dynamic batch or sequence), or an unknown scaled by a constant (open_clip's
/// `bsz * num_heads`, `embed_dim // num_heads`).
enum ShapeElement: Equatable {
    case known(Int), unknown, times(Int), divided(Int)

    var value: Int? {
        if case let .known(v) = self { return v }
        return nil
    }

    /// As a tensor dim: a known size, or unknown (a scaled unknown is just unknown there).
    var asDim: ShapeElement {
        if case let .known(v) = self, v >= 0 { return self }
        return .unknown
    }
}

/// A small integer tensor folded from the graph (a shape vector, one dim, a slice bound): its shape is
/// exact, each element known or not.
struct FoldedInts: Equatable {
    var shape: [Int]
    var elements: [ShapeElement]

    /// Every element, when all are known.
    var known: [Int]? {
        let k = elements.compactMap(\.value)
        return k.count == elements.count ? k : nil
    }
}

/// Evaluates the integer shape subgraphs exporters write (torch's legacy exporter computes slice bounds
/// and reshape targets from `Shape` of tensors whose non-batch dims are static): static dims propagate
/// through layout ops, unknown (batch) dims stay unknown. One query visits at most `budget` values, so
/// a hostile graph (deep chains, diamonds) costs a bounded walk; results hold at most `maxElements`.
struct ShapeFolder {
    let graph: ONNXGraph
    var budget = 512
    /// Reading a Reshape target for a head count: dims read by Shape stay unknown, and a value the folder
    /// cannot read that feeds Unsqueeze or Add/Sub/Mul/Div is taken as one unknown scalar (what exporters
    /// put there). Never for slice bounds, where a wrongly counted element would cut the wrong rows.
    let lenient: Bool
    /// Values being evaluated on the way down; caps the recursion (the stack) below the budget.
    private var depth = 0
    static let maxElements = 64
    static let maxDepth = 48

    init(graph: ONNXGraph, lenient: Bool) {
        self.graph = graph
        self.lenient = lenient
    }

    /// The value of a small integer tensor, nil when its shape does not follow from the graph.
    mutating func values(_ v: String) -> FoldedInts? {
        guard budget > 0, depth < Self.maxDepth, !v.isEmpty else { return nil }
        budget -= 1
        depth += 1
        defer { depth -= 1 }
        if let t = graph.constant(v) { return Self.ints(t) }
        guard let n = graph.producerNode(v) else { return nil }
        switch n.opType {
        case "Identity", "Cast":
            return values(n.input(0))
        case "Shape":
            let start = n.int("start") ?? 0
            if let d = dims(n.input(0)) {
                let r = ONNXGraph.clampedRange(start: start, end: n.int("end") ?? d.count, count: d.count)
                // A head count is read from the constants an exporter writes, not from folded dims: folded, the
                // dynamo exporter's k-transposing Reshape [b, heads, head_dim, tokens] reads as head_dim = tokens.
                return FoldedInts(shape: [r.count], elements: lenient ? Array(repeating: .unknown, count: r.count) : Array(d[r]))
            }
            // Rank unknown: non-negative start/end still give the count (the dynamo exporter's dims).
            guard start >= 0, let end = n.int("end"), end >= start, end - start <= ONNXLimits.maxRank else { return nil }
            return FoldedInts(shape: [end - start], elements: Array(repeating: .unknown, count: end - start))
        case "Gather":
            guard [0, -1].contains(n.int("axis") ?? 0), let idx = values(n.input(1)), let ii = idx.known else { return nil }
            guard let data = values(n.input(0)) else {
                // A dim of a tensor whose dims do not follow (batch of an activation): known shape, unknown value.
                guard dims(n.input(0))?.count == 1 else { return nil }
                return FoldedInts(shape: idx.shape, elements: Array(repeating: .unknown, count: ii.count))
            }
            guard data.shape.count == 1 else { return nil }
            let c = data.elements.count
            var out: [ShapeElement] = []
            for i in ii {
                let j = i < 0 ? i + c : i
                guard (0..<c).contains(j) else { return nil }
                out.append(data.elements[j])
            }
            return FoldedInts(shape: idx.shape, elements: out)
        case "Concat":
            var out: [ShapeElement] = []
            for i in n.inputs {
                guard let p = values(i), p.shape.count == 1, out.count + p.elements.count <= Self.maxElements else { return nil }
                out += p.elements
            }
            return FoldedInts(shape: [out.count], elements: out)
        case "Unsqueeze", "Squeeze":
            let scalar = lenient && n.opType == "Unsqueeze" ? FoldedInts(shape: [], elements: [.unknown]) : nil
            guard let inner = values(n.input(0)) ?? scalar,
                  let shape = squeezed(inner.shape.map { .known($0) }, n)?.compactMap(\.value) else { return nil }
            return FoldedInts(shape: shape, elements: inner.elements)
        case "Slice":
            guard let data = values(n.input(0)), data.shape.count == 1,
                  let st = values(n.input(1))?.known, st.count == 1, let en = values(n.input(2))?.known, en.count == 1,
                  n.input(3).isEmpty || [[0], [-1]].contains(values(n.input(3))?.known ?? []),
                  n.input(4).isEmpty || values(n.input(4))?.known == [1] else { return nil }
            let r = ONNXGraph.clampedRange(start: st[0], end: en[0], count: data.elements.count)
            return FoldedInts(shape: [r.count], elements: Array(data.elements[r]))
        case "Add", "Sub", "Mul", "Div":
            let scalar = lenient ? FoldedInts(shape: [], elements: [.unknown]) : nil
            guard let a = values(n.input(0)) ?? scalar, let b = values(n.input(1)) ?? scalar,
                  let shape = Self.broadcast(a.shape.map { .known($0) }, b.shape.map { .known($0) })?.compactMap(\.value) else { return nil }
            // Element i pairs with element i (or a single one): only when that is what broadcasting does.
            let count = max(a.elements.count, b.elements.count)
            guard [1, count].contains(a.elements.count), [1, count].contains(b.elements.count),
                  Self.product(shape.map { .known($0) }) == count else { return nil }
            let out = (0..<count).map { i in
                Self.combine(n.opType, a.elements[a.elements.count == 1 ? 0 : i], b.elements[b.elements.count == 1 ? 0 : i])
            }
            return FoldedInts(shape: shape, elements: out)
        case "ConstantOfShape":
            guard let s = values(n.input(0))?.known, s.count <= ONNXLimits.maxRank, s.allSatisfy({ $0 >= 0 }) else { return nil }
            guard let count = Self.product(s.map { .known($0) }), count <= Self.maxElements else { return nil }
            var fill = 0
            if case let .tensor(t)? = n.attributes["value"] {
                guard let f = Self.ints(t), f.elements.count == 1, let k = f.known else { return nil }
                fill = k[0]
            }
            return FoldedInts(shape: s, elements: Array(repeating: .known(fill), count: count))
        default:
            return nil
        }
    }

    /// The shape of any tensor, as far as it follows from initializers, declared input dims and the layout ops.
    mutating func dims(_ v: String) -> [ShapeElement]? {
        guard budget > 0, depth < Self.maxDepth, !v.isEmpty else { return nil }
        budget -= 1
        depth += 1
        defer { depth -= 1 }
        if let t = graph.constant(v) { return t.shape.count <= ONNXLimits.maxRank ? t.shape.map { .known($0) } : nil }
        if let i = graph.inputs.first(where: { $0.name == v }) { return i.dims?.map { $0.map { .known($0) } ?? .unknown } }
        guard let n = graph.producerNode(v) else { return nil }
        switch n.opType {
        case "Identity", "Cast":
            return dims(n.input(0))
        case "Transpose":
            guard let d = dims(n.input(0)) else { return nil }
            let perm = n.ints("perm") ?? Array((0..<d.count).reversed())
            guard perm.count == d.count, perm.sorted() == Array(0..<d.count) else { return nil }
            return perm.map { d[$0] }
        case "Expand":
            guard let d = dims(n.input(0)), let s = values(n.input(1)), s.shape.count == 1 else { return nil }
            return Self.broadcast(d, s.elements.map(\.asDim))
        case "Tile":
            guard let d = dims(n.input(0)), let r = values(n.input(1)), r.elements.count == d.count else { return nil }
            return zip(d, r.elements).map { Self.combine("Mul", $0, $1).asDim }
        case "Reshape":
            return reshaped(n)
        case "Unsqueeze", "Squeeze":
            return dims(n.input(0)).flatMap { squeezed($0, n) }
        case "ConstantOfShape":
            guard let s = values(n.input(0)), s.shape.count == 1, s.elements.count <= ONNXLimits.maxRank else { return nil }
            return s.elements.map(\.asDim)
        case "Shape":
            // Always 1-D, its length the input's rank.
            return [values(v).map { .known($0.elements.count) } ?? .unknown]
        case "Gather":
            guard let d = dims(n.input(0)), let i = dims(n.input(1)), d.count + i.count <= ONNXLimits.maxRank + 1 else { return nil }
            let axis = n.int("axis") ?? 0, a = axis < 0 ? axis + d.count : axis
            guard (0..<d.count).contains(a) else { return nil }
            return Array(d[..<a]) + i + Array(d[(a + 1)...])
        case "Concat":
            var out: [ShapeElement]? = nil
            for i in n.inputs {
                guard let d = dims(i) else { return nil }
                guard let sum = out else { out = d; continue }
                let axis = n.int("axis") ?? 0, a = axis < 0 ? axis + d.count : axis
                guard d.count == sum.count, (0..<d.count).contains(a) else { return nil }
                out![a] = Self.combine("Add", sum[a], d[a]).asDim
            }
            return out
        default:
            return values(v).map { $0.shape.map { .known($0) } }
        }
    }

    /// Reshape's output dims: its target with 0 (copy, unless `allowzero`) and one -1 (inferred) resolved.
    private mutating func reshaped(_ n: ONNXNode) -> [ShapeElement]? {
        guard let s = values(n.input(1)), s.shape.count == 1, s.elements.count <= ONNXLimits.maxRank else { return nil }
        let d = dims(n.input(0)), copyZero = (n.int("allowzero") ?? 0) == 0
        var out = s.elements.enumerated().map { i, e -> ShapeElement in
            if e == .known(0) && copyZero { return d.flatMap { i < $0.count ? $0[i] : nil } ?? .unknown }
            return e.asDim
        }
        guard let inferred = s.elements.firstIndex(of: .known(-1)) else { return out }
        out[inferred] = .unknown
        guard s.elements.filter({ $0 == .known(-1) }).count == 1, let total = d.flatMap({ Self.product($0) }),
              let rest = Self.product(out.enumerated().filter { $0.offset != inferred }.map(\.element)), rest > 0,
              total % rest == 0 else { return out }
        out[inferred] = .known(total / rest)
        return out
    }

    /// Unsqueeze's or Squeeze's output dims (axes from the second input, opset 13+, or the attribute).
    private mutating func squeezed(_ d: [ShapeElement], _ n: ONNXNode) -> [ShapeElement]? {
        let axes = n.input(1).isEmpty ? n.ints("axes") : values(n.input(1))?.known
        if n.opType == "Squeeze" {
            guard let axes else {
                guard d.allSatisfy({ $0 != .unknown }) else { return nil }
                return d.filter { $0 != .known(1) }
            }
            let drop = Set(axes.map { $0 < 0 ? $0 + d.count : $0 })
            guard drop.count == axes.count, drop.allSatisfy({ (0..<d.count).contains($0) }) else { return nil }
            return d.enumerated().filter { !drop.contains($0.offset) }.map(\.element)
        }
        guard let axes else { return nil }
        let rank = d.count + axes.count
        let put = Set(axes.map { $0 < 0 ? $0 + rank : $0 })
        guard rank <= ONNXLimits.maxRank, put.count == axes.count, put.allSatisfy({ (0..<rank).contains($0) }) else { return nil }
        var rest = d.makeIterator()
        return (0..<rank).map { put.contains($0) ? .known(1) : rest.next() ?? .unknown }
    }
}
