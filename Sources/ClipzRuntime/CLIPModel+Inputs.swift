import ClipzCore
import ClipzImage
import ClipzText
import Foundation

extension CLIPModel {
    /// The model's tokenizer: the BPE merges it carries, else the bundled CLIP vocabulary.
    public func tokenizer() throws -> CLIPTokenizer {
        if let merges = bpeMerges { return try CLIPTokenizer(mergesText: String(decoding: merges, as: UTF8.self), file: "tokenizer.bpe_merges") }
        return try CLIPTokenizer.bundled()
    }

    /// Token ids exactly as the model sees them: [BOS] ids [EOS], truncated to the context length, zero-padded.
    public func tokenize(_ texts: [String]) throws -> [[Int]] {
        try tokenizer().tokenize(texts, contextLength: config.text.contextLength)
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

    /// Embeds texts (tokenized with the model's tokenizer).
    public func embed(texts: [String], normalize: Bool = true) throws -> [Float] {
        try encodeTexts(tokens: tokenize(texts), normalize: normalize)
    }

    /// Embeds image files.
    public func embed(imagePaths: [String], normalize: Bool = true) throws -> [Float] {
        guard !imagePaths.isEmpty else { return [] }
        return try encodeImages(pixels: pixels(imagePaths: imagePaths), count: imagePaths.count, normalize: normalize)
    }
}
