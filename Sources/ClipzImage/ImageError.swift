/// Errors of image decoding and preprocessing. Every decoding case names the file.
public enum ImageError: Error, CustomStringConvertible, Equatable {
    /// The file could not be read at all.
    case unreadable(file: String, reason: String)
    /// The bytes are neither PNG nor JPEG (checked by magic bytes).
    case unknownFormat(file: String)
    /// The file is malformed or truncated.
    case corrupt(file: String, reason: String)
    /// The declared dimensions are zero or beyond the decoder's caps.
    case tooLarge(file: String, reason: String)
    /// A well-formed file in a variant Clipz does not decode.
    case unsupported(file: String, reason: String)
    /// Memory for the decoded pixels could not be allocated.
    case outOfMemory(file: String)
    /// An `RGBImage` was built from inconsistent dimensions and bytes.
    case invalidImage(String)
    /// Preprocessing parameters are unusable (non-positive sizes, bad mean/std, unknown filter).
    case invalidPreprocessing(String)

    public var description: String {
        switch self {
        case let .unreadable(f, r): return "\(f): cannot read image file: \(r)"
        case let .unknownFormat(f): return "\(f): not a PNG or JPEG image (unrecognised magic bytes)"
        case let .corrupt(f, r): return "\(f): corrupt image: \(r)"
        case let .tooLarge(f, r): return "\(f): image size rejected: \(r)"
        case let .unsupported(f, r): return "\(f): unsupported image: \(r)"
        case let .outOfMemory(f): return "\(f): out of memory while decoding"
        case let .invalidImage(m): return "invalid image: \(m)"
        case let .invalidPreprocessing(m): return "invalid preprocessing: \(m)"
        }
    }
}
