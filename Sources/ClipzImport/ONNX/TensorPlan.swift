import ClipzCore

/// How to turn one ONNX constant into one canonical tensor, exactly (byte moves only, so an
/// f16 source stays f16 and f32 stays bitwise equal).
struct TensorPlan: Sendable {
    enum Transform: Sendable {
        /// Same elements in the same order, new shape (drops size-1 axes such as [1, T, W]).
        case reshape
        /// [r, c] → [c, r] (MatMul's [in, out] weights to torch's [out, in]).
        case transpose
        /// From [in, n]: columns start..<start+count, transposed → [count, in] (packed q/k/v MatMul).
        case columnsTransposed(start: Int, count: Int)
        /// From [n, in] (or [n]): rows start..<start+count (packed q/k/v Gemm weight or bias).
        case rows(start: Int, count: Int)
    }
    let ref: ONNXTensorRef
    let transform: Transform
    /// Canonical shape.
    let shape: [Int]

    /// Canonical tensor plan for a linear weight.
    static func linearWeight(_ m: LinearMatch) -> TensorPlan {
        TensorPlan(ref: m.weight, transform: m.layout == .inOut ? .transpose : .reshape, shape: [m.outDim, m.inDim])
    }

    static func vector(_ r: ONNXTensorRef) -> TensorPlan { TensorPlan(ref: r, transform: .reshape, shape: [r.elementCount]) }

    /// Loads the source bytes and applies the transform.
    func load(name: String) throws -> Tensor {
        let dt = try ref.requireDType()
        let src = try ref.loadBytes()
        let es = dt.size
        guard let want = Checked.elementCount(shape), let srcCount = Checked.elementCount(ref.shape) else {
            throw ImportError.malformed(file: ref.file, detail: "tensor '\(ref.name)': bad shape")
        }
        var out: [UInt8]
        switch transform {
        case .reshape:
            guard want == srcCount else { throw mismatch() }
            out = src
        case .transpose:
            guard ref.shape.count == 2, want == srcCount else { throw mismatch() }
            out = TensorPlan.transposed(src, rows: ref.shape[0], cols: ref.shape[1], elementSize: es, colStart: 0, colCount: ref.shape[1])
        case let .columnsTransposed(start, count):
            guard ref.shape.count == 2, start >= 0, count >= 0, start + count <= ref.shape[1], want == ref.shape[0] * count else { throw mismatch() }
            out = TensorPlan.transposed(src, rows: ref.shape[0], cols: ref.shape[1], elementSize: es, colStart: start, colCount: count)
        case let .rows(start, count):
            let n = ref.shape.first ?? 1
            let rowElems = n == 0 ? 0 : srcCount / n
            guard start >= 0, count >= 0, start + count <= n, want == count * rowElems else { throw mismatch() }
            out = Array(src[(start * rowElems * es)..<((start + count) * rowElems * es)])
        }
        return try Tensor(name: name, dtype: dt, shape: shape, bytes: out)
    }

    private func mismatch() -> ImportError {
        .shapeMismatch(file: ref.file, tensor: ref.name, expected: shape, actual: ref.shape)
    }

    /// out[j][i] = src[i][colStart + j] for j < colCount, moving `elementSize`-byte elements.
    static func transposed(_ src: [UInt8], rows: Int, cols: Int, elementSize es: Int, colStart: Int, colCount: Int) -> [UInt8] {
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
