/// Architecture of a CLIP model: everything the runtime needs to run the towers.
/// Stored in the `.clipz` header as JSON (keys in snake_case, see Formats/clipz.md).
public struct ModelConfig: Codable, Sendable, Equatable {
    public var vision: VisionConfig
    public var text: TextConfig
    /// Width of the shared embedding space (output of both projections).
    public var embedDim: Int

    public init(vision: VisionConfig, text: TextConfig, embedDim: Int) {
        self.vision = vision; self.text = text; self.embedDim = embedDim
    }
    enum CodingKeys: String, CodingKey { case vision, text, embedDim = "embed_dim" }
}

/// Activation inside the MLP blocks.
public enum Activation: String, Codable, Sendable {
    /// x * sigmoid(1.702 x), OpenAI CLIP.
    case quickGELU = "quick_gelu"
    /// Exact GELU (erf).
    case gelu
    /// tanh approximation of GELU.
    case geluTanh = "gelu_tanh"
}

/// How the text tower picks the token whose final state is projected.
public enum TextPooling: String, Codable, Sendable {
    /// Position of the largest token id (OpenAI / open_clip / Hugging Face legacy rule).
    case argmaxID = "argmax_id"
    /// First position whose id equals `eos_token_id`.
    case firstEOS = "first_eos"
}

public struct VisionConfig: Codable, Sendable, Equatable {
    public var imageSize: Int
    public var patchSize: Int
    public var width: Int
    public var layers: Int
    public var heads: Int
    public var mlpDim: Int
    public var layerNormEps: Double
    public var activation: Activation
    public init(imageSize: Int, patchSize: Int, width: Int, layers: Int, heads: Int, mlpDim: Int, layerNormEps: Double = 1e-5, activation: Activation = .quickGELU) {
        self.imageSize = imageSize; self.patchSize = patchSize; self.width = width; self.layers = layers
        self.heads = heads; self.mlpDim = mlpDim; self.layerNormEps = layerNormEps; self.activation = activation
    }
    /// Patches per side.
    public var grid: Int { imageSize / patchSize }
    /// Tokens including the class token.
    public var tokens: Int { grid * grid + 1 }
    enum CodingKeys: String, CodingKey {
        case imageSize = "image_size", patchSize = "patch_size", width, layers, heads, mlpDim = "mlp_dim", layerNormEps = "layer_norm_eps", activation
    }
}

public struct TextConfig: Codable, Sendable, Equatable {
    public var contextLength: Int
    public var vocabSize: Int
    public var width: Int
    public var layers: Int
    public var heads: Int
    public var mlpDim: Int
    public var layerNormEps: Double
    public var activation: Activation
    public var pooling: TextPooling
    public var eosTokenID: Int
    public init(contextLength: Int, vocabSize: Int, width: Int, layers: Int, heads: Int, mlpDim: Int, layerNormEps: Double = 1e-5,
                activation: Activation = .quickGELU, pooling: TextPooling = .argmaxID, eosTokenID: Int = 49407) {
        self.contextLength = contextLength; self.vocabSize = vocabSize; self.width = width; self.layers = layers; self.heads = heads
        self.mlpDim = mlpDim; self.layerNormEps = layerNormEps; self.activation = activation; self.pooling = pooling; self.eosTokenID = eosTokenID
    }
    enum CodingKeys: String, CodingKey {
        case contextLength = "context_length", vocabSize = "vocab_size", width, layers, heads, mlpDim = "mlp_dim"
        case layerNormEps = "layer_norm_eps", activation, pooling, eosTokenID = "eos_token_id"
    }
}

extension ModelConfig {
    /// Checks internal consistency; every importer calls this before writing.
    public func validate() throws {
        func need(_ ok: Bool, _ msg: String) throws { if !ok { throw CoreError.invalidConfig(msg) } }
        let v = vision, t = text
        try need(embedDim > 0 && embedDim <= 65536, "embed_dim \(embedDim) out of range 1...65536")
        for (name, w, h, l, m) in [("vision", v.width, v.heads, v.layers, v.mlpDim), ("text", t.width, t.heads, t.layers, t.mlpDim)] {
            try need(w > 0 && w <= 65536, "\(name).width \(w) out of range 1...65536")
            try need(h > 0 && w % h == 0, "\(name).width \(w) is not divisible by heads \(h)")
            try need(l >= 0 && l <= 1024, "\(name).layers \(l) out of range 0...1024")
            try need(m > 0 && m <= 1 << 20, "\(name).mlp_dim \(m) out of range")
        }
        try need(v.patchSize > 0 && v.imageSize >= v.patchSize && v.imageSize % v.patchSize == 0 && v.imageSize <= 8192,
                 "vision image_size \(v.imageSize) must be a multiple of patch_size \(v.patchSize) (≤ 8192)")
        try need(t.contextLength > 1 && t.contextLength <= 65536, "text.context_length \(t.contextLength) out of range 2...65536")
        try need(t.vocabSize > 0 && t.vocabSize <= 1 << 24, "text.vocab_size \(t.vocabSize) out of range")
        try need(t.eosTokenID >= 0 && t.eosTokenID < t.vocabSize || t.pooling == .argmaxID, "text.eos_token_id \(t.eosTokenID) outside the vocabulary")
        try need(v.layerNormEps > 0 && t.layerNormEps > 0, "layer_norm_eps must be positive")
    }
}
