/// How texts become token ids. For `clip_bpe` the BPE merges are stored as the u8 tensor
/// `tokenizer.bpe_merges` (UTF-8 text, one merge per line), from which the vocabulary is derived; for
/// `siglip_spm` the SentencePiece model file is stored as the u8 tensor `tokenizer.spm_model`.
public struct TokenizerSpec: Codable, Sendable, Equatable {
    /// "clip_bpe": OpenAI CLIP byte-level BPE as open_clip applies it.
    /// "siglip_spm": SentencePiece with SigLIP's text canonicalisation (`clean`), EOS appended, padded with `pad_token_id`.
    public var kind: String
    /// `siglip_spm` only: "siglip_hf" (transformers' SiglipTokenizer) or "siglip_open_clip" (open_clip's canonicalize
    /// first); SigLIP 2's Gemma model: "gemma_hf" (transformers' GemmaTokenizer: `bos_token_id` put first and
    /// `eos_token_id` appended when not -1, i.e. `add_bos_token` / `add_eos_token`; lower-cased only when `lowercase`,
    /// as Siglip2Tokenizer) or "gemma_open_clip" (open_clip's canonicalize first). nil: "siglip_hf".
    public var clean: String?
    /// `siglip_spm` only: SHA-256 of the SentencePiece model bytes.
    public var modelSHA256: String?
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
                lowercase: Bool = true, mergesSHA256: String? = nil, source: String? = nil, clean: String? = nil, modelSHA256: String? = nil) {
        self.clean = clean; self.modelSHA256 = modelSHA256
        self.kind = kind; self.bosTokenID = bosTokenID; self.eosTokenID = eosTokenID; self.padTokenID = padTokenID
        self.contextLength = contextLength; self.lowercase = lowercase; self.mergesSHA256 = mergesSHA256; self.source = source
    }
    enum CodingKeys: String, CodingKey {
        case kind, bosTokenID = "bos_token_id", eosTokenID = "eos_token_id", padTokenID = "pad_token_id"
        case contextLength = "context_length", lowercase, mergesSHA256 = "merges_sha256", source
        case clean, modelSHA256 = "model_sha256"
    }
}

extension TokenizerSpec {
    public static let clipBPEKind = "clip_bpe"
    public static let sentencePieceKind = "siglip_spm"
}
