/// Errors of the core model layer.
public enum CoreError: Error, CustomStringConvertible, Equatable {
    /// A tensor's byte count does not match dtype × shape.
    case sizeMismatch(tensor: String, expected: Int, actual: Int)
    /// Shape arithmetic overflowed or a dimension is negative.
    case badShape(tensor: String, shape: [Int])
    /// A conversion between dtypes that Clipz does not perform.
    case unsupportedConversion(tensor: String, from: DType, to: DType)
    /// A required canonical tensor is missing from a model.
    case missingTensor(String)
    /// A tensor has the wrong shape for the model's config.
    case wrongShape(tensor: String, expected: [Int], actual: [Int])
    /// The config is inconsistent (e.g. width not divisible by heads).
    case invalidConfig(String)
    /// A zstd frame is damaged, or larger than its caller allows (callers add the file and tensor).
    case zstd(String)
    /// A tensor the config does not account for (a config with too few layers, an unknown name).
    case unaccountedTensor(tensor: String, detail: String)
    /// An input file is missing, unreadable, not a regular file (FIFO, device, folder) or too large.
    case unreadableFile(path: String, reason: String)

    public var description: String {
        switch self {
        case let .sizeMismatch(t, e, a): return "tensor '\(t)': expected \(e) bytes for its dtype and shape, got \(a)"
        case let .badShape(t, s): return "tensor '\(t)': invalid shape \(s) (negative or too large)"
        case let .unsupportedConversion(t, f, to): return "tensor '\(t)': cannot convert \(f.rawValue) to \(to.rawValue)"
        case let .missingTensor(n): return "model has no tensor '\(n)'; the source is incomplete or was matched wrongly"
        case let .wrongShape(t, e, a): return "tensor '\(t)' has shape \(a) but the config implies \(e)"
        case let .invalidConfig(m): return "invalid model config: \(m)"
        case let .zstd(d): return "zstd: \(d)"
        case let .unaccountedTensor(t, d): return "tensor '\(t)' \(d)"
        case let .unreadableFile(p, r): return "\(p): \(r)"
        }
    }
}
