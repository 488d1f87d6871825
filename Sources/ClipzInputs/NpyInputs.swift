import ClipzCore
import ClipzImport

/// `.npy` arrays given as model input: preprocessed pixels and token ids.
public enum NpyInputs {
    /// Most token rows one file may hold.
    public static let maxRows = 1_000_000

    /// float32 [N, 3, size, size] with N ≥ 1.
    /// - Returns: the pixels and N.
    /// - Throws: `InputError.badArray` naming the file, or the reader's `ImportError`.
    public static func pixels(_ path: String, imageSize s: Int) throws -> (values: [Float], count: Int) {
        let x = try NumpyFiles.readNPY(path)
        guard x.dtype == .f32, x.shape.count == 4, x.shape[0] >= 1, x.shape[1] == 3, x.shape[2] == s, x.shape[3] == s else {
            throw InputError.badArray(path: path, expected: "float32 [N, 3, \(s), \(s)]", got: "\(x.dtype.rawValue) \(x.shape)")
        }
        return (x.floats(), x.shape[0])
    }

    /// int32/int64 [N, L] ids, N ≥ 1. L may exceed the context only by trailing zero padding, which is dropped.
    /// - Throws: `InputError` naming the file (and the row that does not fit).
    public static func tokens(_ path: String, contextLength: Int) throws -> [[Int]] {
        let t = try NumpyFiles.readNPY(path)
        guard t.dtype == .i32 || t.dtype == .i64, t.shape.count == 2, t.shape[0] >= 1, t.shape[1] >= 1 else {
            throw InputError.badArray(path: path, expected: "int32/int64 [N, L]", got: "\(t.dtype.rawValue) \(t.shape)")
        }
        guard t.shape[0] <= maxRows else { throw InputError.tooMany(path: path, what: "rows", limit: maxRows) }
        let flat = t.ints(), width = t.shape[1]
        return try (0..<t.shape[0]).map { r in
            var row = Array(flat[(r * width)..<((r + 1) * width)])
            while row.count > contextLength, row.last == 0 { row.removeLast() }
            guard row.count <= contextLength else {
                throw InputError.rowTooLong(path: path, row: r, tokens: row.count, context: contextLength)
            }
            return row
        }
    }
}
