/// Errors of the `.clipz` reader and writer. Each names the file and, where it applies, the tensor
/// and byte offset.
public enum FormatError: Error, CustomStringConvertible, Equatable {
    case io(path: String, message: String)
    /// Not a `.clipz` file (bad magic).
    case notClipz(path: String)
    /// Written by a newer, incompatible Clipz.
    case unsupportedVersion(path: String, major: Int, minor: Int)
    /// A structural rule of Formats/clipz.md is broken.
    case corrupt(path: String, detail: String, offset: Int?)
    /// A checksum does not match (header or a tensor payload).
    case checksum(path: String, what: String, offset: Int)
    /// A declared size or count exceeds the caps.
    case limit(path: String, what: String, value: Int, limit: Int)
    /// A tensor uses a dtype, encoding or quantization scheme this reader does not know.
    case unsupportedTensor(path: String, tensor: String, detail: String)
    case noSuchTensor(path: String, tensor: String)
    /// Output exists and `force` was not given.
    case outputExists(path: String)
    /// Output path is one of the inputs.
    case outputIsInput(path: String)
    /// Output exists and is not a regular file (a device, FIFO, folder): never replaced, even with `force`.
    case outputNotRegular(path: String, kind: String)
    case compression(tensor: String, detail: String)

    public var description: String {
        switch self {
        case let .io(p, m): return "\(p): \(m)"
        case let .notClipz(p): return "\(p): not a .clipz file (bad magic); convert a model first with `clipz convert`"
        case let .unsupportedVersion(p, ma, mi): return "\(p): format version \(ma).\(mi) is newer than this clipz understands (1.x); upgrade clipz"
        case let .corrupt(p, d, o): return "\(p): corrupt file\(o.map { " at byte \($0)" } ?? ""): \(d)"
        case let .checksum(p, w, o): return "\(p): checksum mismatch in \(w) (byte \(o)); the file is damaged — re-download or re-convert it"
        case let .limit(p, w, v, l): return "\(p): \(w) = \(v) exceeds the limit \(l); the file is corrupt or hostile"
        case let .unsupportedTensor(p, t, d): return "\(p): tensor '\(t)': \(d); this file needs a newer clipz"
        case let .noSuchTensor(p, t): return "\(p): no tensor named '\(t)'"
        case let .outputExists(p): return "\(p): already exists; pass --force to replace it"
        case let .outputIsInput(p): return "\(p): the output is also an input; choose another output path"
        case let .outputNotRegular(p, k): return "\(p): is \(k), not a regular file; it is never replaced (not even with --force): choose a file path"
        case let .compression(t, d): return "tensor '\(t)': \(d)"
        }
    }
}
