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
    /// Attention masks later positions (CLIP); SigLIP's text tower attends both ways.
    public var causal: Bool
    /// Id that fills a sequence up to the context when the tower needs every position (`pooling` = `last`).
    public var padTokenID: Int
    /// The projection to `embed_dim` has a bias (SigLIP's text head).
    public var projectionBias: Bool

    public init(contextLength: Int, vocabSize: Int, width: Int, layers: Int, heads: Int, mlpDim: Int, layerNormEps: Double = 1e-5,
                activation: Activation = .quickGELU, pooling: TextPooling = .argmaxID, eosTokenID: Int = 49407,
                causal: Bool = true, padTokenID: Int = 0, projectionBias: Bool = false) {
        self.contextLength = contextLength; self.vocabSize = vocabSize; self.width = width; self.layers = layers; self.heads = heads
        self.mlpDim = mlpDim; self.layerNormEps = layerNormEps; self.activation = activation; self.pooling = pooling; self.eosTokenID = eosTokenID
        self.causal = causal; self.padTokenID = padTokenID; self.projectionBias = projectionBias
    }

    enum CodingKeys: String, CodingKey {
        case contextLength = "context_length", vocabSize = "vocab_size", width, layers, heads, mlpDim = "mlp_dim"
        case layerNormEps = "layer_norm_eps", activation, pooling, eosTokenID = "eos_token_id"
        case causal, padTokenID = "pad_token_id", projectionBias = "projection_bias"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(contextLength: c.decode(Int.self, forKey: .contextLength), vocabSize: c.decode(Int.self, forKey: .vocabSize),
                      width: c.decode(Int.self, forKey: .width), layers: c.decode(Int.self, forKey: .layers),
                      heads: c.decode(Int.self, forKey: .heads), mlpDim: c.decode(Int.self, forKey: .mlpDim),
                      layerNormEps: c.decode(Double.self, forKey: .layerNormEps), activation: c.decode(Activation.self, forKey: .activation),
                      pooling: c.decode(TextPooling.self, forKey: .pooling), eosTokenID: c.decode(Int.self, forKey: .eosTokenID),
                      causal: c.decodeIfPresent(Bool.self, forKey: .causal) ?? true,
                      padTokenID: c.decodeIfPresent(Int.self, forKey: .padTokenID) ?? 0,
                      projectionBias: c.decodeIfPresent(Bool.self, forKey: .projectionBias) ?? false)
    }

    /// The structure keys are written only where they differ from CLIP's, so CLIP files keep their bytes.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(contextLength, forKey: .contextLength); try c.encode(vocabSize, forKey: .vocabSize)
        try c.encode(width, forKey: .width); try c.encode(layers, forKey: .layers); try c.encode(heads, forKey: .heads)
        try c.encode(mlpDim, forKey: .mlpDim); try c.encode(layerNormEps, forKey: .layerNormEps); try c.encode(activation, forKey: .activation)
        try c.encode(pooling, forKey: .pooling); try c.encode(eosTokenID, forKey: .eosTokenID)
        if !causal { try c.encode(causal, forKey: .causal) }
        if padTokenID != 0 { try c.encode(padTokenID, forKey: .padTokenID) }
        if projectionBias { try c.encode(projectionBias, forKey: .projectionBias) }
    }
}
