/// Errors of the inputs layer. Every case names the file or folder it is about and says what to do.
public enum InputError: Error, CustomStringConvertible, Equatable {
    /// The file or folder cannot be opened or read (missing, permission, a directory where a file was expected).
    case unreadable(path: String, reason: String)
    /// A line of a texts or list file is not valid UTF-8 (1-based line number).
    case invalidUTF8(path: String, line: Int)
    /// A line longer than `limit` bytes (1-based line number).
    case lineTooLong(path: String, line: Int, limit: Int)
    /// The file holds more than `limit` bytes.
    case fileTooLarge(path: String, limit: Int)
    /// More than `limit` items (texts, images, rows).
    case tooMany(path: String, what: String, limit: Int)
    /// No usable items: no texts, no images, no class folders.
    case empty(path: String, what: String)
    /// A `.npy` array with the wrong dtype or shape.
    case badArray(path: String, expected: String, got: String)
    /// A token row longer than the model's context.
    case rowTooLong(path: String, row: Int, tokens: Int, context: Int)
    /// An input that cannot be used (a batch size out of range, validation inputs that do not match); the message alone.
    case badInput(String)

    public var description: String {
        switch self {
        case let .unreadable(p, r): return "\(p): cannot read: \(r)"
        case let .invalidUTF8(p, l): return "\(p): line \(l) is not valid UTF-8; save the file as UTF-8"
        case let .lineTooLong(p, l, n): return "\(p): line \(l) is longer than \(n) bytes; put one text per line"
        case let .fileTooLarge(p, n): return "\(p): larger than \(n) bytes; split it, or stream it with `clipz embed --text-file`"
        case let .tooMany(p, w, n): return "\(p): more than \(n) \(w)"
        case let .empty(p, w): return "\(p): no \(w)"
        case let .badArray(p, e, g): return "\(p): expected \(e), got \(g)"
        case let .rowTooLong(p, r, t, c): return "\(p): row \(r) has \(t) tokens; the model's context is \(c)"
        case let .badInput(m): return m
        }
    }
}
