import ClipzCore
import Foundation

extension CLIPTokenizer {
    /// SHA-256 of the decompressed `bpe_simple_vocab_16e6.txt` shipped in the bundle
    /// (printed by `Tools/fetch_bpe_vocab.py`; open_clip 3.3.0's file).
    public static let bundledVocabularySHA256 = "67603cfda2e032ad77b5f8808af37789d590db664b26df8705d2bf8b3c553fc8"

    private static let bundledResult: Result<CLIPTokenizer, Error> = Result {
        let text = try bundledMergesText()
        return try CLIPTokenizer(mergesText: text, file: "bpe_simple_vocab_16e6.txt.zst")
    }

    /// The standard CLIP tokenizer (open_clip / OpenAI vocabulary, 49408 ids), loaded from the
    /// zstd-compressed resource once per process and verified against its SHA-256.
    public static func bundled() throws -> CLIPTokenizer {
        try bundledResult.get()
    }

    /// Decompressed, checksum-verified text of the bundled BPE file.
    public static func bundledMergesText() throws -> String {
        let name = "bpe_simple_vocab_16e6.txt.zst"
        let compressed = try TextResource.data("bpe_simple_vocab_16e6.txt", "zst")
        let raw: [UInt8]
        do { raw = try compressed.withUnsafeBytes { try Zstd.decompress($0, limit: maxFileBytes) } } catch {
            throw TokenizerError.decompressionFailed(file: name, reason: "\(error)")
        }
        var hasher = SHA256()
        hasher.update(raw)
        let digest = hasher.finalizeHex()
        guard digest == bundledVocabularySHA256 else {
            throw TokenizerError.checksumMismatch(file: name, expected: bundledVocabularySHA256, actual: digest)
        }
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw TokenizerError.malformed(file: name, reason: "decompressed text is not UTF-8")
        }
        return text
    }

}
