/// Architecture of a CLIP model: everything the runtime needs to run the towers.
/// Stored in the `.clipz` header as JSON (keys in snake_case, see Formats/clipz.md).
/// A single-tower model (an image or a text encoder published alone) lacks the other tower: nil here,
/// and absent from the JSON, so files with both towers keep their bytes.
public struct ModelConfig: Codable, Sendable, Equatable {
    public var vision: VisionConfig?
    public var text: TextConfig?
    /// Width of the shared embedding space (output of both projections).
    public var embedDim: Int
    /// Stored only for sigmoid models (nil = softmax), so CLIP files keep their bytes.
    private var scoringKey: Scoring?
    public var scoring: Scoring { get { scoringKey ?? .softmax } set { scoringKey = newValue == .softmax ? nil : newValue } }

    public init(vision: VisionConfig?, text: TextConfig?, embedDim: Int, scoring: Scoring = .softmax) {
        self.vision = vision; self.text = text; self.embedDim = embedDim; self.scoring = scoring
    }
    enum CodingKeys: String, CodingKey { case vision, text, embedDim = "embed_dim", scoringKey = "scoring" }

    /// How image-text similarities become zero-shot scores.
    public enum Scoring: String, Codable, Sendable {
        /// CLIP: `exp(logit_scale) · cos`, a softmax over the classes.
        case softmax
        /// SigLIP: `sigmoid(exp(logit_scale) · cos + logit_bias)`, each class on its own.
        case sigmoid
    }

    /// "SigLIP" for sigmoid-scored models with an attention-probe image tower, else "CLIP" (for display).
    public var familyName: String { scoring == .sigmoid || vision?.pooling == .attentionProbe ? "SigLIP" : "CLIP" }

    /// Both towers are present (a full model: zero-shot scores need both, and the logit scale).
    public var hasBothTowers: Bool { vision != nil && text != nil }

    /// The towers present, for display: "image and text", "image only" or "text only".
    public var towersDescription: String {
        hasBothTowers ? "image and text" : vision != nil ? "image only" : "text only"
    }
}

extension ModelConfig {
    /// Checks internal consistency; every importer calls this before writing.
    public func validate() throws {
        func need(_ ok: Bool, _ msg: String) throws { if !ok { throw CoreError.invalidConfig(msg) } }
        try need(vision != nil || text != nil, "the config holds neither a vision nor a text tower (at least one is needed)")
        try need(embedDim > 0 && embedDim <= 65536, "embed_dim \(embedDim) out of range 1...65536")
        let towers = [vision.map { ("vision", $0.width, $0.heads, $0.layers, $0.mlpDim) }, text.map { ("text", $0.width, $0.heads, $0.layers, $0.mlpDim) }]
        for case let (name, w, h, l, m)? in towers {
            try need(w > 0 && w <= 65536, "\(name).width \(w) out of range 1...65536")
            try need(h > 0 && w % h == 0, "\(name).width \(w) is not divisible by heads \(h)")
            try need(l >= 0 && l <= 1024, "\(name).layers \(l) out of range 0...1024")
            try need(m > 0 && m <= 1 << 20, "\(name).mlp_dim \(m) out of range")
        }
        if let v = vision { try validate(v, need) }
        if let t = text { try validate(t, need) }
    }

    private func validate(_ v: VisionConfig, _ need: (Bool, String) throws -> Void) throws {
        // The patch convolution has stride patch_size and no padding, so a remainder of the image is never read:
        // SigLIP So400m/14-384 takes 27 × 27 patches and leaves the last 6 pixel rows and columns out.
        try need(v.patchSize > 0 && v.imageSize >= v.patchSize && v.imageSize <= 8192,
                 "vision image_size \(v.imageSize) must be at least patch_size \(v.patchSize) and at most 8192")
        try need(v.layerNormEps > 0, "vision.layer_norm_eps must be positive")
        try need(v.projection || embedDim == v.width, "vision has no projection, so embed_dim \(embedDim) must equal vision.width \(v.width)")
        try need(v.classToken || v.pooling != .classToken, "vision pooling class_token needs class_token true")
    }

    private func validate(_ t: TextConfig, _ need: (Bool, String) throws -> Void) throws {
        try need(t.contextLength > 1 && t.contextLength <= 65536, "text.context_length \(t.contextLength) out of range 2...65536")
        try need(t.vocabSize > 0 && t.vocabSize <= 1 << 24, "text.vocab_size \(t.vocabSize) out of range")
        try need(t.eosTokenID >= 0 && t.eosTokenID < t.vocabSize || t.pooling == .argmaxID, "text.eos_token_id \(t.eosTokenID) outside the vocabulary")
        try need(t.layerNormEps > 0, "text.layer_norm_eps must be positive")
        try need(t.padTokenID >= 0 && t.padTokenID < t.vocabSize, "text.pad_token_id \(t.padTokenID) outside the vocabulary")
    }
}
