/// Activation inside the MLP blocks.
public enum Activation: String, Codable, Sendable {
    /// x * sigmoid(1.702 x), OpenAI CLIP.
    case quickGELU = "quick_gelu"
    /// Exact GELU (erf).
    case gelu
    /// tanh approximation of GELU.
    case geluTanh = "gelu_tanh"
}
