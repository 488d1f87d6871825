import ClipzCore

/// How the graph matcher makes one canonical tensor from one ONNX constant: the constant, its
/// layout fix and the canonical shape the matcher derived (loaded lazily through `SourceTensor`).
struct TensorPlan: Sendable {
    let ref: SourceTensor
    let layout: LayoutFix
    /// Canonical shape.
    let shape: [Int]

    /// Canonical tensor plan for a linear weight.
    static func linearWeight(_ m: LinearMatch) -> TensorPlan {
        TensorPlan(ref: m.weight, layout: m.layout == .inOut ? .transpose : .reshape, shape: [m.outDim, m.inDim])
    }

    /// Part `part` of `parts` projections packed into one linear (q/k/v): its [out/parts, in] weight.
    static func packedWeight(_ m: LinearMatch, part: Int, of parts: Int) -> TensorPlan {
        TensorPlan(ref: m.weight, layout: m.layout == .inOut ? .columnsTransposed(part: part, of: parts) : .rows(part: part, of: parts),
                   shape: [m.outDim / parts, m.inDim])
    }

    /// Part `part` of `parts` biases packed into one vector.
    static func packedBias(_ r: SourceTensor, part: Int, of parts: Int) -> TensorPlan {
        TensorPlan(ref: r, layout: .rows(part: part, of: parts), shape: [r.elementCount / parts])
    }

    static func vector(_ r: SourceTensor) -> TensorPlan {
        TensorPlan(ref: r, layout: .reshape, shape: [r.elementCount])
    }

    /// The canonical tensor `name`, loaded when asked for.
    /// - Throws: `ImportError.unsupported` for a non-float constant, `.shapeMismatch` when the layout
    ///   fix cannot make `shape` from it.
    func canonical(_ name: String) throws -> TensorSource {
        guard ref.dtype.loaded.isFloat else {
            let detail = "tensor '\(ref.name)' for \(name) is \(ref.dtype.loaded.rawValue)"
            throw ImportError.unsupported(file: ref.file, detail: detail)
        }
        return try ref.canonical(name, shape: shape, layout: layout)
    }
}
