/// Everything in a `.clipz` header except the tensor table.
public struct ModelMetadata: Codable, Sendable, Equatable {
    public var config: ModelConfig
    public var preprocessing: Preprocessing
    public var tokenizer: TokenizerSpec
    public var provenance: Provenance
    public init(config: ModelConfig, preprocessing: Preprocessing, tokenizer: TokenizerSpec, provenance: Provenance) {
        self.config = config; self.preprocessing = preprocessing; self.tokenizer = tokenizer; self.provenance = provenance
    }
}

/// Clipz version, recorded in provenance.
public let clipzVersion = "0.1.0"
