import ClipzImage
import ClipzText

extension CLIPModel {
    /// The model's tokenizer (built once per model; see `CLIPInputs`).
    public func tokenizer() throws -> any TextTokenizer { try inputs.tokenizer() }

    /// Token ids exactly as the model sees them: one row of the context length per text (special tokens, truncation, padding).
    public func tokenize(_ texts: [String]) throws -> [[Int]] { try inputs.tokenize(texts) }

    /// The image preprocessor described by the file.
    public func preprocessor() throws -> Preprocessor { try inputs.preprocessor() }

    /// Decodes and preprocesses image files into [count, 3, S, S].
    public func pixels(imagePaths: [String]) throws -> [Float] { try inputs.pixels(imagePaths: imagePaths) }

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
