import ClipzCore

/// Errors of the runtime: loading a model for inference and running it.
public enum RuntimeError: Error, CustomStringConvertible, Equatable {
    /// Input tensor shape does not match the model (e.g. pixels not [N, 3, S, S]).
    case badInput(String)
    /// A token id outside the vocabulary.
    case tokenOutOfRange(sequence: Int, position: Int, id: Int, vocab: Int)
    /// A model tensor has an unexpected dtype/shape for the runtime.
    case badWeights(String)
    /// The model holds one tower and the call needs the other (or both).
    case absentTower(file: String, missing: CanonicalName.Tower)
    /// Memory for a layer's packed weights could not be had (`bytes` for `layer`).
    case outOfMemory(layer: String, bytes: Int)

    public var description: String {
        switch self {
        case let .badInput(m): return "bad input: \(m)"
        case let .tokenOutOfRange(s, p, id, v): return "token id \(id) at sequence \(s), position \(p) is outside the vocabulary (0..<\(v))"
        case let .badWeights(m): return "bad model weights: \(m)"
        case let .outOfMemory(layer, bytes):
            return "out of memory: \(formatBytes(bytes)) for the weights of '\(layer)' could not be allocated; free memory, raise the "
                + "process's memory limit, or use a smaller file (clipz quantize --type fp16 or int8)"
        case let .absentTower(file, .vision):
            return "\(file): this model has no image tower (text encoder only); embed texts, or convert a checkpoint with both towers"
        case let .absentTower(file, .text):
            return "\(file): this model has no text tower (image encoder only); embed images, or convert a checkpoint with both towers"
        }
    }
}
