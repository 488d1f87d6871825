import ClipzCore
import ClipzFormat
import ClipzImage
import ClipzText
import Foundation

/// What a model's towers take in, from what a `.clipz` file describes: token ids from texts (its
/// tokenizer) and pixels from images (its preprocessing). Needs the header and the tokenizer asset the
/// file carries (BPE merges or a SentencePiece model), not the weights. The tokenizer (≈150 ms to build
/// from merges) is built once, on first use, and shared by every later call; a `CLIPModel` holds one of these.
public final class CLIPInputs: @unchecked Sendable {
    public let metadata: ModelMetadata
    /// The tokenizer asset carried by the file (`tokenizer.bpe_merges` or `tokenizer.spm_model`), if any;
    /// a CLIP file without one uses the bundled CLIP vocabulary.
    let tokenizerAsset: [UInt8]?
    /// Guards `built` (the tokenizer is built at most once, also under concurrent first calls).
    private let lock = NSLock()
    private var built: Result<any TextTokenizer, Error>?

    /// The tensor that carries the tokenizer of `spec`'s kind.
    public static func assetName(_ spec: TokenizerSpec) -> String {
        spec.kind == TokenizerSpec.sentencePieceKind ? CanonicalName.spmModel : CanonicalName.bpeMerges
    }

    /// Reads the header of a `.clipz` file and the tokenizer asset it carries, not its weights.
    /// - Throws: `FormatError` for a damaged file, `CoreError` for a config that does not hold together.
    public convenience init(path: String) throws {
        let file = try ClipzFile(path: path)
        let name = Self.assetName(file.metadata.tokenizer)
        let asset = file.entries.contains { $0.name == name } ? try file.tensor(name).bytes : nil
        try self.init(metadata: file.metadata, tokenizerAsset: asset, file: path)
    }

    init(metadata: ModelMetadata, tokenizerAsset: [UInt8]?, file: String) throws {
        // The context length sizes every token row: check it (and the rest) before using it.
        try metadata.config.validate()
        self.metadata = metadata
        self.tokenizerAsset = tokenizerAsset
        self.file = file
    }

    /// The file the model came from (or the source's name), named in errors.
    public let file: String

    /// The image tower's config; throws the clear "no image tower" error for a text-only model.
    public func visionConfig() throws -> VisionConfig {
        guard let v = metadata.config.vision else { throw RuntimeError.absentTower(file: file, missing: .vision) }
        return v
    }

    /// The text tower's config; throws the clear "no text tower" error for an image-only model.
    public func textConfig() throws -> TextConfig {
        guard let t = metadata.config.text else { throw RuntimeError.absentTower(file: file, missing: .text) }
        return t
    }

    /// Refuses a model without both towers (zero-shot scoring needs images, texts and the logit scale).
    public func requireBothTowers() throws {
        _ = try visionConfig(); _ = try textConfig()
    }

    /// The model's tokenizer: the BPE merges or SentencePiece model the file carries, else (CLIP) the
    /// bundled CLIP vocabulary. Built on the first call; later calls return the same instance.
    public func tokenizer() throws -> any TextTokenizer {
        _ = try textConfig()
        lock.lock()
        defer { lock.unlock() }
        if let built { return try built.get() }
        let spec = metadata.tokenizer
        let result = Result<any TextTokenizer, Error> {
            switch spec.kind {
            case TokenizerSpec.clipBPEKind:
                guard let merges = tokenizerAsset else { return try CLIPTokenizer.bundled() }
                return try CLIPTokenizer(mergesText: String(decoding: merges, as: UTF8.self), file: CanonicalName.bpeMerges)
            case TokenizerSpec.sentencePieceKind:
                guard let model = tokenizerAsset else { throw RuntimeError.badWeights("the file has no '\(CanonicalName.spmModel)' tensor for its siglip_spm tokenizer") }
                return try SentencePieceTokenizer(model: model, spec: spec, file: CanonicalName.spmModel)
            default:
                throw RuntimeError.badWeights("tokenizer kind '\(spec.kind)' is not known to this Clipz (known: clip_bpe, siglip_spm)")
            }
        }
        built = result
        return try result.get()
    }

    /// Token ids exactly as the model sees them: one row of the context length per text (special tokens, truncation, padding).
    public func tokenize(_ texts: [String]) throws -> [[Int]] {
        try tokenizer().tokenize(texts, contextLength: textConfig().contextLength)
    }

    /// The image preprocessor described by the file.
    public func preprocessor() throws -> Preprocessor { try Preprocessor(metadata.preprocessing) }

    /// Decodes and preprocesses image files into [count, 3, S, S].
    public func pixels(imagePaths: [String]) throws -> [Float] {
        let pre = try preprocessor()
        var out: [Float] = []
        out.reserveCapacity(imagePaths.count * 3 * pre.cropSize * pre.cropSize)
        for p in imagePaths { out += pre.tensor(try ImageDecoder.decode(path: p)) }
        return out
    }
}
