/// Counts taken from JSON bytes in one pass, before any parser runs, so that a document far beyond
/// a reader's caps is refused at the cost of reading it, not of building its object tree (a 500,000-
/// entry `.clipz` header took 454 MB and 16 s to decode before its tensor count was refused).
/// The counts are structural (strings are skipped, escapes included), so spelling a key with `\u`
/// escapes or nesting the entries differently cannot hide them; they are upper bounds for any
/// parser's view of the same bytes.
public struct JSONCensus: Equatable, Sendable {
    /// `{` opened at nesting depth `entryDepth` (the root object is depth 1): for a header or
    /// manifest shaped `{"tensors": [ {…}, … ]}` this bounds the number of entries.
    public var entries = 0
    /// Objects, arrays and scalar values, counted as openers plus separators (`,` and `:`): what a
    /// parser allocates nodes for.
    public var values = 0
    /// Deepest nesting seen.
    public var maxDepth = 0

    /// Depth of the objects counted as `entries`.
    public static let entryDepth = 3

    /// Scans `bytes` (not validated as JSON: the parser does that afterwards).
    public init(_ bytes: UnsafeRawBufferPointer) {
        var depth = 0
        var strings = JSONStringState()
        for b in bytes {
            if strings.consume(b) { continue }
            switch b {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                values += 1
                maxDepth = max(maxDepth, depth)
                if b == UInt8(ascii: "{") && depth == Self.entryDepth { entries += 1 }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
            case UInt8(ascii: ","), UInt8(ascii: ":"):
                values += 1
            default:
                break
            }
        }
    }

    public init(_ bytes: [UInt8]) {
        self = bytes.withUnsafeBytes { JSONCensus($0) }
    }
}
