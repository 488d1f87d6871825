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
