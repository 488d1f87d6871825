/// Errors of the runtime: loading a model for inference and running it.
public enum RuntimeError: Error, CustomStringConvertible, Equatable {
    /// Input tensor shape does not match the model (e.g. pixels not [N, 3, S, S]).
    case badInput(String)
    /// A token id outside the vocabulary.
    case tokenOutOfRange(sequence: Int, position: Int, id: Int, vocab: Int)
    /// A model tensor has an unexpected dtype/shape for the runtime.
    case badWeights(String)

    public var description: String {
        switch self {
        case let .badInput(m): return "bad input: \(m)"
        case let .tokenOutOfRange(s, p, id, v): return "token id \(id) at sequence \(s), position \(p) is outside the vocabulary (0..<\(v))"
        case let .badWeights(m): return "bad model weights: \(m)"
        }
    }
}
