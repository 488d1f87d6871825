public struct VisionConfig: Codable, Sendable, Equatable {
    /// How the image tower turns its token states into one vector.
    public enum Pooling: String, Codable, Sendable {
        /// CLIP: the class token's state after the post LayerNorm.
        case classToken = "class_token"
        /// SigLIP: a learned probe attends over every token (LayerNorm'd), then LayerNorm + MLP with a residual.
        case attentionProbe = "attention_probe"
    }

    public var imageSize: Int
    public var patchSize: Int
    public var width: Int
    public var layers: Int
    public var heads: Int
    public var mlpDim: Int
    public var layerNormEps: Double
    public var activation: Activation
    /// A learned class token precedes the patches (CLIP); SigLIP has none.
    public var classToken: Bool
    /// A LayerNorm on the embeddings before block 0 (CLIP's `ln_pre`); SigLIP has none.
    public var preLN: Bool
    /// The patch convolution has a bias (SigLIP).
    public var patchBias: Bool
    public var pooling: Pooling
    /// A bias-free projection to `embed_dim` follows the pooling (CLIP); without it the pooled width is the embedding.
    public var projection: Bool

    public init(imageSize: Int, patchSize: Int, width: Int, layers: Int, heads: Int, mlpDim: Int, layerNormEps: Double = 1e-5,
                activation: Activation = .quickGELU, classToken: Bool = true, preLN: Bool = true, patchBias: Bool = false,
                pooling: Pooling = .classToken, projection: Bool = true) {
        self.imageSize = imageSize; self.patchSize = patchSize; self.width = width; self.layers = layers
        self.heads = heads; self.mlpDim = mlpDim; self.layerNormEps = layerNormEps; self.activation = activation
        self.classToken = classToken; self.preLN = preLN; self.patchBias = patchBias; self.pooling = pooling; self.projection = projection
    }

    /// The SigLIP image tower's structure with CLIP's numbers kept.
    public func siglip() -> VisionConfig {
        var c = self
        c.classToken = false; c.preLN = false; c.patchBias = true; c.pooling = .attentionProbe; c.projection = false
        return c
    }

    /// Patches per side.
    public var grid: Int { imageSize / patchSize }
    /// Tokens through the blocks: the patches, plus the class token when there is one.
    public var tokens: Int { grid * grid + (classToken ? 1 : 0) }

    enum CodingKeys: String, CodingKey {
        case imageSize = "image_size", patchSize = "patch_size", width, layers, heads, mlpDim = "mlp_dim", layerNormEps = "layer_norm_eps", activation
        case classToken = "class_token", preLN = "pre_ln", patchBias = "patch_bias", pooling, projection
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(imageSize: c.decode(Int.self, forKey: .imageSize), patchSize: c.decode(Int.self, forKey: .patchSize),
                      width: c.decode(Int.self, forKey: .width), layers: c.decode(Int.self, forKey: .layers),
                      heads: c.decode(Int.self, forKey: .heads), mlpDim: c.decode(Int.self, forKey: .mlpDim),
                      layerNormEps: c.decode(Double.self, forKey: .layerNormEps), activation: c.decode(Activation.self, forKey: .activation),
                      classToken: c.decodeIfPresent(Bool.self, forKey: .classToken) ?? true,
                      preLN: c.decodeIfPresent(Bool.self, forKey: .preLN) ?? true,
                      patchBias: c.decodeIfPresent(Bool.self, forKey: .patchBias) ?? false,
                      pooling: c.decodeIfPresent(Pooling.self, forKey: .pooling) ?? .classToken,
                      projection: c.decodeIfPresent(Bool.self, forKey: .projection) ?? true)
    }

    /// The structure keys are written only where they differ from CLIP's, so CLIP files keep their bytes.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(imageSize, forKey: .imageSize); try c.encode(patchSize, forKey: .patchSize)
        try c.encode(width, forKey: .width); try c.encode(layers, forKey: .layers); try c.encode(heads, forKey: .heads)
        try c.encode(mlpDim, forKey: .mlpDim); try c.encode(layerNormEps, forKey: .layerNormEps); try c.encode(activation, forKey: .activation)
        if !classToken { try c.encode(classToken, forKey: .classToken) }
        if !preLN { try c.encode(preLN, forKey: .preLN) }
        if patchBias { try c.encode(patchBias, forKey: .patchBias) }
        if pooling != .classToken { try c.encode(pooling, forKey: .pooling) }
        if !projection { try c.encode(projection, forKey: .projection) }
    }
}
