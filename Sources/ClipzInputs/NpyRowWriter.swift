import ClipzCore
import ClipzFormat
import ClipzImport

/// Writes a float32 `.npy` [rows, width] a batch at a time, so memory does not grow with the row count.
/// The file is an `AtomicOutput`: a temporary file in the output's folder whose header is rewritten with
/// the final row count by `finish()`, then renamed into place. Dropped without `finish()`, it leaves nothing.
public final class NpyRowWriter {
    public let width: Int
    public private(set) var rows = 0
    private let out: AtomicOutput
    private let headerBytes: Int

    /// Room for any row count up to Int.max in the header, so the final header has the same size.
    static let reservedHeaderBytes = 128

    /// - Throws: `FormatError` when the output exists (without `force`), names an input, or cannot be created.
    public init(path: String, width: Int, inputs: [String], force: Bool) throws {
        self.width = width
        out = try AtomicOutput(path: path, inputs: inputs, force: force)
        let header = NumpyFiles.npyHeader(dtype: .f32, shape: [0, width], minimumBytes: Self.reservedHeaderBytes)
        headerBytes = header.count
        try out.write(header)
    }

    public var path: String { out.path }

    /// Appends rows (`values.count` must be a multiple of `width`).
    public func append(_ values: [Float]) throws {
        guard width > 0, values.count % width == 0 else {
            throw InputError.badInput("\(out.path): \(values.count) values are not whole rows of \(width)")
        }
        try out.write(values.withUnsafeBytes { Array($0) })
        rows += values.count / width
    }

    /// Fixes the row count in the header and renames the file into place.
    public func finish() throws {
        let header = NumpyFiles.npyHeader(dtype: .f32, shape: [rows, width], minimumBytes: Self.reservedHeaderBytes)
        guard header.count == headerBytes else { throw InputError.badInput("\(out.path): .npy header outgrew its reserved size") }
        try out.patch(header, at: 0)
        try out.commit()
    }
}
