/// Hard caps from Formats/clipz.md.
public enum FormatLimits {
    public static let headerBytes = 64 << 20
    public static let tensorCount = 65_536
    public static let rank = 8
    public static let dimension = Int(Int32.max)
    public static let tensorBytes = 16 << 30
    public static let nameBytes = 256
    public static let alignment = 64
    /// Most a zstd frame can expand (RLE blocks): raw ≤ stored × this + 65536.
    public static let zstdExpansion = 32_768
}
