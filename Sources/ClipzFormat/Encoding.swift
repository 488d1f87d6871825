/// Payload encodings.
public enum Encoding: String, Sendable {
    case raw, zstd
    case zstdBytePlanes = "zstd_byteplanes"
}
