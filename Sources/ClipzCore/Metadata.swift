/// Image preprocessing the model expects (PIL semantics).
public struct Preprocessing: Codable, Sendable, Equatable {
    /// The shortest side is resized to this, then a center crop of `cropSize` is taken.
    public var resizeShortest: Int
    public var cropSize: Int
    /// "bicubic" (PIL, antialiased) or "bilinear".
    public var resample: String
    public var mean: [Double]
    public var std: [Double]
    public init(resizeShortest: Int, cropSize: Int, resample: String = "bicubic",
                mean: [Double] = Preprocessing.openAIMean, std: [Double] = Preprocessing.openAIStd) {
        self.resizeShortest = resizeShortest; self.cropSize = cropSize; self.resample = resample; self.mean = mean; self.std = std
    }
    public static let openAIMean = [0.48145466, 0.4578275, 0.40821073]
    public static let openAIStd = [0.26862954, 0.26130258, 0.27577711]
    enum CodingKeys: String, CodingKey { case resizeShortest = "resize_shortest", cropSize = "crop_size", resample, mean, std }
}

/// How texts become token ids. The BPE merges themselves are stored as the u8 tensor
/// `tokenizer.bpe_merges` (UTF-8 text, one merge per line), from which the vocabulary is derived.
public struct TokenizerSpec: Codable, Sendable, Equatable {
    /// "clip_bpe": OpenAI CLIP byte-level BPE as open_clip applies it.
    public var kind: String
    public var bosTokenID: Int
    public var eosTokenID: Int
    public var padTokenID: Int
    public var contextLength: Int
    public var lowercase: Bool
    /// SHA-256 of the merges text (the tensor's raw bytes).
    public var mergesSHA256: String?
    /// Where the vocabulary came from ("bundled", a file name...).
    public var source: String?
    public init(kind: String = "clip_bpe", bosTokenID: Int = 49406, eosTokenID: Int = 49407, padTokenID: Int = 0, contextLength: Int = 77,
                lowercase: Bool = true, mergesSHA256: String? = nil, source: String? = nil) {
        self.kind = kind; self.bosTokenID = bosTokenID; self.eosTokenID = eosTokenID; self.padTokenID = padTokenID
        self.contextLength = contextLength; self.lowercase = lowercase; self.mergesSHA256 = mergesSHA256; self.source = source
    }
    enum CodingKeys: String, CodingKey {
        case kind, bosTokenID = "bos_token_id", eosTokenID = "eos_token_id", padTokenID = "pad_token_id"
        case contextLength = "context_length", lowercase, mergesSHA256 = "merges_sha256", source
    }
}

public struct SourceFile: Codable, Sendable, Equatable {
    public var path: String
    public var sha256: String
    public var bytes: Int
    public init(path: String, sha256: String, bytes: Int) { self.path = path; self.sha256 = sha256; self.bytes = bytes }
}

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

public struct QuantizationRecord: Codable, Sendable, Equatable {
    /// "fp16", "bf16", "int8_weight_only", "int8_static".
    public var type: String
    public var excluded: [String]
    public var smoothAlpha: Double?
    public var calibration: [String: String]?
    /// Layers kept in higher precision by the accuracy guard.
    public var fallbacks: [String]
    public init(type: String, excluded: [String] = [], smoothAlpha: Double? = nil, calibration: [String: String]? = nil, fallbacks: [String] = []) {
        self.type = type; self.excluded = excluded; self.smoothAlpha = smoothAlpha; self.calibration = calibration; self.fallbacks = fallbacks
    }
    enum CodingKeys: String, CodingKey { case type, excluded, smoothAlpha = "smooth_alpha", calibration, fallbacks }
}

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
