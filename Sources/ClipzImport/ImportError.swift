/// Errors raised while reading a source checkpoint. Every case names the file, and where it
/// helps the tensor, node or byte offset, and the message says what to do next.
public enum ImportError: Error, CustomStringConvertible {
    /// The file could not be opened or read.
    case io(file: String, message: String)
    /// The bytes do not follow the format (truncated, bad header, bad lengths).
    case malformed(file: String, detail: String, offset: Int? = nil)
    /// Valid file, but something Clipz does not support (dtype, op, layout).
    case unsupported(file: String, detail: String)
    /// ONNX graph matching stopped at a node.
    case graphMismatch(file: String, node: String, expected: String)
    /// A tensor the model needs is not in the source.
    case missingTensor(file: String, name: String, hint: String = "")
    /// A source tensor has a shape that does not fit the config.
    case shapeMismatch(file: String, tensor: String, expected: [Int], actual: [Int])
    /// An external-data or shard path escapes the model folder or is absolute.
    case unsafePath(file: String, path: String)
    /// A size, count or depth read from the file exceeds Clipz's caps.
    case limitExceeded(file: String, what: String, value: Int, limit: Int)
    /// The source kind could not be recognised.
    case unknownSource(path: String)
    /// Config missing or contradicting the tensors.
    case config(file: String, detail: String)
    /// The checkpoint is of another image-text family (SigLIP, ResNet CLIP, a single tower, …).
    case unsupportedFamily(file: String, family: String)
    /// A PyTorch pickle names something Clipz does not allow (anything but tensors and containers).
    case unsafePickle(file: String, global: String)

    public var description: String {
        switch self {
        case let .io(f, m): return "\(f): \(m)"
        case let .malformed(f, d, o): return "\(f): malformed file\(o.map { " at byte \($0)" } ?? ""): \(d)"
        case let .unsupported(f, d): return "\(f): not supported: \(d)"
        case let .graphMismatch(f, n, e): return "\(f): graph does not match CLIP or SigLIP at node '\(n)': expected \(e)"
        case let .missingTensor(f, n, h): return "\(f): missing tensor '\(n)'" + (h.isEmpty ? "" : "\nhint: \(h)")
        case let .shapeMismatch(f, t, e, a): return "\(f): tensor '\(t)' has shape \(a), expected \(e)"
        case let .unsafePath(f, p): return "\(f): refusing path '\(p)': absolute, '..' or a link leading out of the model folder"
        case let .limitExceeded(f, w, v, l): return "\(f): \(w) is \(v), above the limit \(l); the file is corrupt or hostile"
        case let .unknownSource(p): return "\(p): not a recognised source (expected .onnx, .safetensors, model.safetensors.index.json, a PyTorch .bin/.pt, .npz, a folder of .npy files, or a folder with manifest.json)"
        case let .config(f, d): return "\(f): \(d)\nhint: pass --config with the model's config JSON"
        case let .unsupportedFamily(f, fam): return "\(f): \(fam): not supported yet; Clipz converts CLIP ViT and SigLIP models (and CLIP's image or text tower alone)"
        case let .unsafePickle(f, g): return "\(f): refusing pickle global '\(g)': Clipz reads tensors and plain containers only and never runs code from a checkpoint\nhint: if this is a training checkpoint, save just the weights: torch.save(model.state_dict(), PATH)"
        }
    }
}
