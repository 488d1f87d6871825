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
    // SigLIP's structure keys are stored only where they differ from CLIP's (nil = CLIP's choice), so CLIP
    // files keep their bytes and files written before the keys existed read as CLIP.
    private var classTokenKey: Bool?, preLNKey: Bool?, patchBiasKey: Bool?, poolingKey: Pooling?, projectionKey: Bool?

    /// A learned class token precedes the patches (CLIP); SigLIP has none.
    public var classToken: Bool { get { classTokenKey ?? true } set { classTokenKey = newValue ? nil : false } }
    /// A LayerNorm on the embeddings before block 0 (CLIP's `ln_pre`); SigLIP has none.
    public var preLN: Bool { get { preLNKey ?? true } set { preLNKey = newValue ? nil : false } }
    /// The patch convolution has a bias (SigLIP).
    public var patchBias: Bool { get { patchBiasKey ?? false } set { patchBiasKey = newValue ? true : nil } }
    public var pooling: Pooling { get { poolingKey ?? .classToken } set { poolingKey = newValue == .classToken ? nil : newValue } }
    /// A bias-free projection to `embed_dim` follows the pooling (CLIP); without it the pooled width is the embedding.
    public var projection: Bool { get { projectionKey ?? true } set { projectionKey = newValue ? nil : false } }

    public init(imageSize: Int, patchSize: Int, width: Int, layers: Int, heads: Int, mlpDim: Int, layerNormEps: Double = 1e-5,
                activation: Activation = .quickGELU) {
        self.imageSize = imageSize; self.patchSize = patchSize; self.width = width; self.layers = layers
        self.heads = heads; self.mlpDim = mlpDim; self.layerNormEps = layerNormEps; self.activation = activation
    }

    /// The SigLIP image tower's structure with these numbers: no class token or pre-LN, a patch bias,
    /// attention-probe pooling, no projection.
    public func siglip() -> VisionConfig {
        var c = self
        c.classToken = false; c.preLN = false; c.patchBias = true; c.pooling = .attentionProbe; c.projection = false
        return c
    }

    /// Patches per side; pixels past grid × patch_size (when image_size is not a multiple) are not read.
    public var grid: Int { imageSize / patchSize }
    /// Tokens through the blocks: the patches, plus the class token when there is one.
    public var tokens: Int { grid * grid + (classToken ? 1 : 0) }

    enum CodingKeys: String, CodingKey {
        case imageSize = "image_size", patchSize = "patch_size", width, layers, heads, mlpDim = "mlp_dim", layerNormEps = "layer_norm_eps", activation
        case classTokenKey = "class_token", preLNKey = "pre_ln", patchBiasKey = "patch_bias", poolingKey = "pooling", projectionKey = "projection"
    }
}
