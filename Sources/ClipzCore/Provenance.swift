/// Where a model came from and what was done to it.
public struct Provenance: Codable, Sendable, Equatable {
    public var sources: [SourceFile]
    /// Which importer matched ("onnx", "safetensors-hf", "safetensors-open_clip", "npz", "raw").
    public var importer: String
    public var converterVersion: String
    public var createdAt: String
    public var name: String?
    /// Quantization recipe; nil for fp32.
    public var quantization: QuantizationRecord?
    /// Free-form notes (warnings raised while importing, inferred hyper-parameters).
    public var notes: [String]
    public init(sources: [SourceFile], importer: String, converterVersion: String, createdAt: String, name: String? = nil,
                quantization: QuantizationRecord? = nil, notes: [String] = []) {
        self.sources = sources; self.importer = importer; self.converterVersion = converterVersion; self.createdAt = createdAt
        self.name = name; self.quantization = quantization; self.notes = notes
    }
    enum CodingKeys: String, CodingKey { case sources, importer, converterVersion = "converter_version", createdAt = "created_at", name, quantization, notes }
}
