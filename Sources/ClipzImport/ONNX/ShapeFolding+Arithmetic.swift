import ClipzCore

/// The element arithmetic of `ShapeFolder`, and the graph queries built on it.
extension ShapeFolder {
    /// A small integer (or integral float) constant of at most `maxElements` elements.
    static func ints(_ t: SourceTensor) -> FoldedInts? {
        guard t.elementCount <= maxElements, t.shape.count <= ONNXLimits.maxRank else { return nil }
        if t.dtype.loaded.isFloat {
            guard let f = try? t.floats(), f.allSatisfy({ $0.isFinite && $0.rounded() == $0 && abs($0) < 1e15 }) else { return nil }
            return FoldedInts(shape: t.shape, elements: f.map { .known(Int($0)) })
        }
        return (try? t.ints()).map { FoldedInts(shape: t.shape, elements: $0.map { .known($0) }) }
    }

    /// Numpy-style broadcast of two shapes; nil when two known dims conflict.
    static func broadcast(_ a: [ShapeElement], _ b: [ShapeElement]) -> [ShapeElement]? {
        let rank = max(a.count, b.count)
        guard rank <= ONNXLimits.maxRank else { return nil }
        var out: [ShapeElement] = []
        for i in 0..<rank {
            let x = i < rank - a.count ? .known(1) : a[i - (rank - a.count)]
            let y = i < rank - b.count ? .known(1) : b[i - (rank - b.count)]
            switch (x, y) {
            case (.known(1), _): out.append(y)
            case (_, .known(1)): out.append(x)
            case let (.known(p), .known(q)): guard p == q else { return nil }; out.append(x)
            case (.known, _): out.append(x)
            default: out.append(y)
            }
        }
        return out
    }

    /// One element of Add/Sub/Mul/Div (integer division truncates, as ONNX's does); overflow gives unknown.
    static func combine(_ op: String, _ x: ShapeElement, _ y: ShapeElement) -> ShapeElement {
        switch (op, x, y) {
        case let (_, .known(a), .known(b)):
            let r: (partialValue: Int, overflow: Bool)
            switch op {
            case "Add": r = a.addingReportingOverflow(b)
            case "Sub": r = a.subtractingReportingOverflow(b)
            case "Mul": r = a.multipliedReportingOverflow(by: b)
            default: r = b == 0 ? (0, true) : a.dividedReportingOverflow(by: b)
            }
            return r.overflow ? .unknown : .known(r.partialValue)
        case ("Add", _, .known(0)), ("Sub", _, .known(0)), ("Mul", _, .known(1)), ("Div", _, .known(1)): return x
        case ("Add", .known(0), _), ("Mul", .known(1), _): return y
        case let ("Mul", .unknown, .known(c)), let ("Mul", .known(c), .unknown): return .times(c)
        case let ("Div", .unknown, .known(c)): return .divided(c)
        default: return .unknown
        }
    }

    /// The product of dims, nil when one is unknown or it overflows.
    static func product(_ d: [ShapeElement]) -> Int? {
        var p = 1
        for e in d {
            guard let v = e.value, v >= 0 else { return nil }
            let r = p.multipliedReportingOverflow(by: v)
            guard !r.overflow else { return nil }
            p = r.partialValue
        }
        return p
    }
}

extension ONNXGraph {
    /// A small integer tensor folded from constants and shape arithmetic (see `ShapeFolder`).
    func foldedInts(_ value: String) -> FoldedInts? {
        var f = ShapeFolder(graph: self, lenient: false)
        return f.values(value)
    }

    /// A small integer tensor (at most `limit` elements) whose every element is a constant, directly or
    /// once its shape arithmetic is folded.
    func knownInts(_ value: String, limit: Int) -> [Int]? {
        if let c = constInts(value, limit: limit) { return c }
        guard let k = foldedInts(value)?.known, k.count <= limit else { return nil }
        return k
    }

    /// A Reshape target read for its head count: a 1-D vector whose unreadable scalars count as unknown.
    func shapeElements(_ value: String) -> [ShapeElement]? {
        var f = ShapeFolder(graph: self, lenient: true)
        guard let v = f.values(value), v.shape.count == 1, v.elements.count <= ONNXLimits.maxRank else { return nil }
        return v.elements
    }
}
