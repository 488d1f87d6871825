/// Whether each byte of a JSON text lies inside a string literal (its quotes and escapes included), fed
/// one byte at a time: the one place that knows JSON's string rules for the byte scanners (the census,
/// the fuzzers' header mutator).
public struct JSONStringState: Sendable {
    private var inString = false
    private var escaped = false

    public init() {}

    /// Feeds the next byte; true when it is part of a string literal.
    public mutating func consume(_ b: UInt8) -> Bool {
        if inString {
            if escaped {
                escaped = false
            } else if b == UInt8(ascii: "\\") {
                escaped = true
            } else if b == UInt8(ascii: "\"") {
                inString = false
            }
            return true
        }
        inString = b == UInt8(ascii: "\"")
        return inString
    }
}
