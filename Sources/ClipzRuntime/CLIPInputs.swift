import ClipzCore
import ClipzFormat
import ClipzImage
import ClipzText
import Foundation

/// What a model's towers take in, from what a `.clipz` file describes: token ids from texts (its
/// tokenizer) and pixels from images (its preprocessing). Needs the header and the BPE merges the
/// file carries, not the weights. The tokenizer (≈150 ms to build from merges) is built once, on
/// first use, and shared by every later call; a `CLIPModel` holds one of these.
public final class CLIPInputs: @unchecked Sendable {
    public let metadata: ModelMetadata
    /// The BPE merges text carried by the file, if any (else the bundled CLIP vocabulary is used).
    let bpeMerges: [UInt8]?
    /// Guards `built` (the tokenizer is built at most once, also under concurrent first calls).
    private let lock = NSLock()
    private var built: Result<CLIPTokenizer, Error>?

    /// Reads the header of a `.clipz` file and the BPE merges it carries, not its weights.
    /// - Throws: `FormatError` for a damaged file, `CoreError` for a config that does not hold together.
    public convenience init(path: String) throws {
        let file = try ClipzFile(path: path)
        let carries = file.entries.contains { $0.name == CanonicalName.bpeMerges }
        let merges = carries ? try file.tensor(CanonicalName.bpeMerges).bytes : nil
        try self.init(metadata: file.metadata, bpeMerges: merges)
    }

    init(metadata: ModelMetadata, bpeMerges: [UInt8]?) throws {
        // The context length sizes every token row: check it (and the rest) before using it.
        try metadata.config.validate()
        self.metadata = metadata
        self.bpeMerges = bpeMerges
    }

    /// The model's tokenizer: the BPE merges the file carries, else the bundled CLIP vocabulary.
    /// Built on the first call; later calls return the same instance.
    public func tokenizer() throws -> CLIPTokenizer {
        lock.lock()
        defer { lock.unlock() }
        if let built { return try built.get() }
        let result = Result<CLIPTokenizer, Error> {
            guard let merges = bpeMerges else { return try CLIPTokenizer.bundled() }
            return try CLIPTokenizer(mergesText: String(decoding: merges, as: UTF8.self), file: CanonicalName.bpeMerges)
        }
        built = result
        return try result.get()
    }

    /// Token ids exactly as the model sees them: [BOS] ids [EOS], truncated to the context length, zero-padded.
    public func tokenize(_ texts: [String]) throws -> [[Int]] {
        try tokenizer().tokenize(texts, contextLength: metadata.config.text.contextLength)
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
