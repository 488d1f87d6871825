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
    // SigLIP's structure keys are stored only where they differ from CLIP's (nil = CLIP's choice).
    private var causalKey: Bool?, padTokenIDKey: Int?, projectionBiasKey: Bool?

    /// Attention masks later positions (CLIP); SigLIP's text tower attends both ways.
    public var causal: Bool { get { causalKey ?? true } set { causalKey = newValue ? nil : false } }
    /// Id that fills a sequence up to the context when the tower needs every position (`pooling` = `last`).
    public var padTokenID: Int { get { padTokenIDKey ?? 0 } set { padTokenIDKey = newValue == 0 ? nil : newValue } }
    /// The projection to `embed_dim` has a bias (SigLIP's text head).
    public var projectionBias: Bool { get { projectionBiasKey ?? false } set { projectionBiasKey = newValue ? true : nil } }

    public init(contextLength: Int, vocabSize: Int, width: Int, layers: Int, heads: Int, mlpDim: Int, layerNormEps: Double = 1e-5,
                activation: Activation = .quickGELU, pooling: TextPooling = .argmaxID, eosTokenID: Int = 49407) {
        self.contextLength = contextLength; self.vocabSize = vocabSize; self.width = width; self.layers = layers; self.heads = heads
        self.mlpDim = mlpDim; self.layerNormEps = layerNormEps; self.activation = activation; self.pooling = pooling; self.eosTokenID = eosTokenID
    }

    /// The SigLIP text tower's structure: bidirectional, pooled at the last position of the padded context,
    /// a projection with a bias.
    public func siglip(padTokenID: Int) -> TextConfig {
        var c = self
        c.pooling = .last; c.causal = false; c.padTokenID = padTokenID; c.projectionBias = true
        return c
    }

    enum CodingKeys: String, CodingKey {
        case contextLength = "context_length", vocabSize = "vocab_size", width, layers, heads, mlpDim = "mlp_dim"
        case layerNormEps = "layer_norm_eps", activation, pooling, eosTokenID = "eos_token_id"
        case causalKey = "causal", padTokenIDKey = "pad_token_id", projectionBiasKey = "projection_bias"
    }
}
