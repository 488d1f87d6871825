import ClipzCore

/// Turns source tensors into lazily loaded canonical `TensorSource`s, applying the layout fixes
/// (transpose, packed q/k/v split, scalar reshape) on load, in the tensor's own dtype.
enum CanonicalTensors {
    /// The canonical shape `ref` produces from `t`, or nil when the transform does not apply.
    static func shape(of t: StoredTensor, _ ref: SourceRef) -> [Int]? {
        switch ref.transform {
        case .identity: return t.shape
        case .transpose: return t.shape.count == 2 ? [t.shape[1], t.shape[0]] : nil
        case let .rows(_, n): return t.shape.first.flatMap { $0 % n == 0 ? [$0 / n] + t.shape.dropFirst() : nil }
        case .scalar: return t.shape == [] || t.shape == [1] ? [] : nil
        }
    }

    /// Builds every canonical tensor `config` implies, in `expectedShapes` order.
    static func build(config: ModelConfig, scheme: NamingScheme, stored: [String: StoredTensor], sourceLabel: String) throws -> [TensorSource] {
        try CanonicalName.expectedShapes(config).map { name, expected in
            guard let ref = scheme.locate(name), let t = stored[ref.name] else {
                let src = scheme.locate(name)?.name ?? name
                throw ImportError.missingTensor(file: sourceLabel, name: src, hint: "needed for canonical '\(name)' (\(scheme.id) naming)")
            }
            guard t.dtype.loaded.isFloat else {
                throw ImportError.unsupported(file: t.file, detail: "tensor '\(t.name)' is \(t.dtype.rawValue); CLIP weights must be floating point")
            }
            guard let got = shape(of: t, ref), got == expected else {
                throw ImportError.shapeMismatch(file: t.file, tensor: t.name, expected: expected, actual: t.shape)
            }
            return TensorSource(name: name, dtype: t.dtype.loaded, shape: expected) {
                try load(t, ref.transform, name: name, shape: expected)
            }
        }
    }

    static func load(_ t: StoredTensor, _ transform: Transform, name: String, shape: [Int]) throws -> Tensor {
        var bytes: [UInt8]
        switch transform {
        case let .rows(part, n):
            // Row blocks of a C-order tensor are contiguous: read only the requested third.
            let block = t.byteCount / n
            bytes = t.convert(try t.readBytes((part * block)..<((part + 1) * block)))
        case .transpose:
            let src = t.convert(try t.readBytes())
            bytes = transpose2D(src, rows: t.shape[0], cols: t.shape[1], elementSize: t.dtype.loaded.size)
        case .identity, .scalar:
            bytes = t.convert(try t.readBytes())
        }
        do { return try Tensor(name: name, dtype: t.dtype.loaded, shape: shape, bytes: bytes) } catch {
            throw ImportError.malformed(file: t.file, detail: "tensor '\(t.name)': \(error)")
        }
    }

    /// [rows, cols] → [cols, rows] for any element size, moving bytes (values stay bit-identical).
    static func transpose2D(_ src: [UInt8], rows: Int, cols: Int, elementSize es: Int) -> [UInt8] {
        var dst = [UInt8](repeating: 0, count: src.count)
        guard src.count == rows * cols * es else { return dst }
        src.withUnsafeBytes { s in
            dst.withUnsafeMutableBytes { d in
                for r in 0..<rows {
                    for c in 0..<cols {
                        let from = (r * cols + c) * es, to = (c * rows + r) * es
                        for b in 0..<es { d[to + b] = s[from + b] }
                    }
                }
            }
        }
        return dst
    }
}
