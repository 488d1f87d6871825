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
