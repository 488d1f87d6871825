import ClipzCore

/// How a canonical tensor is made from a source tensor (Formats/tensors.md, "layout rules"): byte
/// moves only, in the tensor's own dtype, so an f16 source stays f16 and f32 stays bitwise equal.
enum LayoutFix: Sendable, Equatable {
    /// Same bytes, same shape.
    case identity
    /// Same elements in the same order, the canonical shape (drops size-1 axes such as [1, T, W];
    /// makes `logit_scale` of shape [1] a scalar).
    case reshape
    /// [r, c] → [c, r] (open_clip `proj`, ONNX MatMul's [in, out] weights to torch's [out, in]).
    case transpose
    /// Row block `part` of `of` equal blocks of the first axis (packed q/k/v weights and biases):
    /// a contiguous byte range, so only that range is read.
    case rows(part: Int, of: Int)
    /// Column block `part` of `of` of a 2-D [in, n] tensor, transposed (packed q/k/v MatMul weight).
    case columnsTransposed(part: Int, of: Int)

    /// The canonical shape this fix makes from `source`, nil when it does not apply. `.reshape`
    /// drops size-1 axes here; `fits` accepts any shape with the same element count.
    func canonicalShape(of source: [Int]) -> [Int]? {
        switch self {
        case .identity:
            return source
        case .reshape:
            return source.filter { $0 != 1 }
        case .transpose:
            return source.count == 2 ? [source[1], source[0]] : nil
        case let .rows(part, n):
            guard let first = source.first, n > 0, part >= 0, part < n, first % n == 0 else { return nil }
            return [first / n] + source.dropFirst()
        case let .columnsTransposed(part, n):
            guard source.count == 2, n > 0, part >= 0, part < n, source[1] % n == 0 else { return nil }
            return [source[1] / n, source[0]]
        }
    }

    /// Whether this fix turns a tensor of shape `source` into one of shape `target`.
    func fits(_ source: [Int], _ target: [Int]) -> Bool {
        if self == .reshape { return Checked.elementCount(source) == Checked.elementCount(target) }
        return canonicalShape(of: source) == target
    }
}

extension SourceTensor {
    /// The canonical tensor `name` of `shape`, loaded from this tensor by `layout` when asked for.
    /// - Throws: `ImportError.shapeMismatch` when `layout` cannot make `shape` from this tensor's shape.
    func canonical(_ canonicalName: String, shape target: [Int], layout: LayoutFix) throws -> TensorSource {
        guard layout.fits(shape, target) else {
            throw ImportError.shapeMismatch(file: file, tensor: name, expected: target, actual: shape)
        }
        return TensorSource(name: canonicalName, dtype: dtype.loaded, shape: target) {
            try load(as: canonicalName, shape: target, layout: layout)
        }
    }

    /// Reads the bytes `layout` needs and rearranges them (called by `canonical`, after `fits`).
    func load(as canonicalName: String, shape target: [Int], layout: LayoutFix) throws -> Tensor {
        let bytes: [UInt8]
        switch layout {
        case .identity, .reshape:
            bytes = convert(try readBytes())
        case .transpose:
            bytes = try transposed(convert(try readBytes()), colStart: 0, colCount: shape[1])
        case let .columnsTransposed(part, n):
            let count = shape[1] / n
            bytes = try transposed(convert(try readBytes()), colStart: part * count, colCount: count)
        case let .rows(part, n):
            let block = byteCount / n
            bytes = convert(try readBytes((part * block)..<((part + 1) * block)))
        }
        do { return try Tensor(name: canonicalName, dtype: dtype.loaded, shape: target, bytes: bytes) } catch {
            throw ImportError.malformed(file: file, detail: "tensor '\(name)': \(error)")
        }
    }

    private func transposed(_ src: [UInt8], colStart: Int, colCount: Int) throws -> [UInt8] {
        guard let out = SourceTensor.transposed(src, rows: shape[0], cols: shape[1], elementSize: dtype.loaded.size,
                                                colStart: colStart, colCount: colCount) else {
            throw ImportError.malformed(file: file, detail: "tensor '\(name)': \(src.count) bytes do not form \(shape)")
        }
        return out
    }

    /// out[j][i] = src[i][colStart + j] for j < colCount, moving whole `elementSize`-byte elements
    /// (values stay bit-identical); nil when `src` is not [rows, cols] or the columns leave it.
    static func transposed(_ src: [UInt8], rows: Int, cols: Int, elementSize es: Int,
                           colStart: Int, colCount: Int) -> [UInt8]? {
        guard src.count == rows * cols * es, colStart >= 0, colCount >= 0, colStart + colCount <= cols else {
            return nil
        }
        var out = [UInt8](repeating: 0, count: rows * colCount * es)
        src.withUnsafeBytes { s in
            out.withUnsafeMutableBytes { d in
                for j in 0..<colCount {
                    for i in 0..<rows {
                        let from = (i * cols + colStart + j) * es, to = (j * rows + i) * es
                        for b in 0..<es { d[to + b] = s[from + b] }
                    }
                }
            }
        }
        return out
    }
}
