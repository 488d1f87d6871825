/// Errors raised while loading a tokenizer vocabulary. Every case names the file (or resource)
/// and, where it helps, the line or entry that was rejected.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    /// The bundled resource is missing from the module bundle.
    case missingResource(String)
    /// zstd decompression failed or the declared size is implausible.
    case decompressionFailed(file: String, reason: String)
    /// The decompressed text's SHA-256 does not match the expected value.
    case checksumMismatch(file: String, expected: String, actual: String)
    /// The file is not valid UTF-8 / JSON or lacks a required field.
    case malformed(file: String, reason: String)
    /// A merge line does not have exactly two symbols, or names symbols missing from the vocabulary.
    case badMerge(file: String, line: Int, text: String)
    /// A required special token (start/end of text) is absent from the vocabulary.
    case missingSpecialToken(file: String, token: String)
    /// The file exceeds the size cap for tokenizer inputs.
    case tooLarge(file: String, bytes: Int, limit: Int)

    public var description: String {
        switch self {
        case let .missingResource(n): return "tokenizer resource '\(n)' is missing from the ClipzText bundle"
        case let .decompressionFailed(f, r): return "\(f): zstd decompression failed: \(r)"
        case let .checksumMismatch(f, e, a): return "\(f): SHA-256 \(a) does not match expected \(e)"
        case let .malformed(f, r): return "\(f): \(r)"
        case let .badMerge(f, l, t): return "\(f): line \(l): bad merge '\(t.prefix(80))'"
        case let .missingSpecialToken(f, t): return "\(f): vocabulary has no special token '\(t)'"
        case let .tooLarge(f, b, l): return "\(f): \(b) bytes exceeds the \(l)-byte limit for tokenizer files"
        }
    }
}
