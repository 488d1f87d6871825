import ClipzCore

/// Value-level queries on the graph: constants, pass-through ops (shape arithmetic: ShapeFolding.swift).
extension ONNXGraph {
    /// Ops that do not change a tensor's values for our purposes.
    static let passthrough: Set<String> = ["Identity", "Cast", "Dropout"]

    /// Follows a value backwards through Identity/Cast/Dropout to where it really comes from.
    func source(_ value: String) -> String {
        var v = value, steps = 0
        while steps < 64, let n = producerNode(v), ONNXGraph.passthrough.contains(n.opType), !n.input(0).isEmpty {
            v = n.input(0); steps += 1
        }
        return v
    }

    /// Uses of a value as (node, input slot), looking through Identity/Cast/Dropout consumers.
    func uses(_ value: String) -> [(node: ONNXNode, slot: Int)] {
        var out: [(ONNXNode, Int)] = [], stack = [value], seen: Set<String> = []
        while let v = stack.popLast(), out.count < 4096 {
            guard seen.insert(v).inserted else { continue }
            for n in consumerNodes(v) {
                if ONNXGraph.passthrough.contains(n.opType) && n.input(0) == v {
                    stack.append(contentsOf: n.outputs.filter { !$0.isEmpty })
                } else {
                    for (i, x) in n.inputs.enumerated() where x == v { out.append((n, i)) }
                }
            }
        }
        return out
    }

    /// The constant tensor behind a value: an initializer or a Constant node's `value`, via Identity.
    func constant(_ value: String) -> SourceTensor? {
        var v = value, steps = 0
        while steps < 64 {
            if let t = initializers[v] { return t }
            guard let n = producerNode(v) else { return nil }
            switch n.opType {
            case "Identity": v = n.input(0)
            case "Constant":
                if case let .tensor(t)? = n.attributes["value"] { return t }
                if let f = n.float("value_float") { return SourceTensor.scalar(f, name: n.name, file: file) }
                return nil
            default: return nil
            }
            steps += 1
        }
        return nil
    }

    /// The constant behind a value, also looking through Cast (for scalars like eps and 1.702).
    func constantThroughCast(_ value: String) -> SourceTensor? { constant(source(value)) }

    /// A constant, or a block of rows cut from one by Split or Slice along axis 0 (how torch's
    /// `nn.MultiheadAttention` cuts its packed `in_proj` when query and key differ): the block is read lazily.
    func constantRows(_ value: String) -> SourceTensor? {
        let v = source(value)
        if let c = constant(v) { return c }
        guard let n = producerNode(v), ["Split", "Slice"].contains(n.opType), let whole = constant(source(n.input(0))),
              let rows = whole.shape.first, rows > 0 else { return nil }
        let rank = whole.shape.count
        let range: Range<Int>
        if n.opType == "Split" {
            guard [0, -rank].contains(n.int("axis") ?? 0), let k = n.outputs.firstIndex(of: v) else { return nil }
            // Sizes: the second input (opset ≥ 13), the `split` attribute (older), or equal parts.
            let sizes: [Int]? = n.input(1).isEmpty ? n.ints("split") ?? Array(repeating: rows / max(n.outputs.count, 1), count: n.outputs.count)
                : knownInts(n.input(1), limit: ONNXLimits.maxNodeInputs)
            guard let sizes, sizes.count == n.outputs.count, sizes.allSatisfy({ $0 >= 0 && $0 <= rows }), sizes.reduce(0, +) == rows else { return nil }
            let start = sizes[..<k].reduce(0, +)
            range = start..<(start + sizes[k])
        } else {
            // Bounds may be computed from static dims (torch's legacy exporter slices `in_proj` at Shape(query)[-1]).
            guard let st = knownInts(n.input(1), limit: 1), st.count == 1, let en = knownInts(n.input(2), limit: 1), en.count == 1,
                  n.input(3).isEmpty || [[0], [-rank]].contains(knownInts(n.input(3), limit: 1) ?? []),
                  n.input(4).isEmpty || knownInts(n.input(4), limit: 1) == [1] else { return nil }
            range = ONNXGraph.clampedRange(start: st[0], end: en[0], count: rows)
        }
        guard !range.isEmpty else { return nil }
        return range == 0..<rows ? whole : whole.rows(range)
    }

    /// A small constant as Doubles (at most `limit` elements), nil otherwise.
    func constFloats(_ value: String, limit: Int = 64) -> [Double]? {
        guard let t = constantThroughCast(value), t.elementCount <= limit else { return nil }
        if t.dtype.loaded.isFloat { return (try? t.floats())?.map(Double.init) }
        return (try? t.ints())?.map(Double.init)
    }

    /// The single value of a one-element constant.
    func scalar(_ value: String) -> Double? {
        guard let v = constFloats(value, limit: 1), v.count == 1 else { return nil }
        return v[0]
    }

    /// A small integer constant.
    func constInts(_ value: String, limit: Int = 64) -> [Int]? {
        guard let t = constantThroughCast(value), t.elementCount <= limit, !t.dtype.loaded.isFloat else { return nil }
        return try? t.ints()
    }

    /// Python-style slice bounds (negative from the end, clamped) over `count` elements.
    static func clampedRange(start: Int, end: Int, count: Int) -> Range<Int> {
        func norm(_ i: Int) -> Int { i < 0 ? max(0, count + max(i, -count)) : min(i, count) }
        let s = norm(start), e = norm(end)
        return s..<max(s, e)
    }
}

extension SourceTensor {
    /// Rows `range` of the first axis, named `name[a:b]`, read from this tensor when loaded; nil for
    /// rows outside the tensor.
    func rows(_ range: Range<Int>) -> SourceTensor? {
        guard let rows = shape.first, rows > 0, range.lowerBound >= 0, range.upperBound <= rows else { return nil }
        let rowBytes = byteCount / rows, whole = self
        let bytes = (range.lowerBound * rowBytes)..<(range.upperBound * rowBytes)
        var part = SourceTensor.Storage.produced { try whole.readBytes(bytes) }
        if case let .file(path, offset) = storage, let start = Checked.add(offset, bytes.lowerBound) { part = .file(path: path, offset: start) }
        return try? SourceTensor(name: "\(name)[\(range.lowerBound):\(range.upperBound)]", dtype: dtype,
                                 shape: [range.count] + shape.dropFirst(), file: file, storage: part)
    }

    /// A synthetic f32 scalar (Constant nodes with `value_float`).
    static func scalar(_ f: Float, name: String, file: String) -> SourceTensor? {
        let bytes = withUnsafeBytes(of: f) { Array($0) }
        return try? SourceTensor(name: name, dtype: .f32, shape: [], file: file, storage: .produced { bytes })
    }
}
