/// Hard caps from Formats/clipz.md.
public enum FormatLimits {
    public static let headerBytes = 64 << 20
    public static let tensorCount = 65_536
    public static let rank = 8
    public static let dimension = Int(Int32.max)
    public static let tensorBytes = 16 << 30
    public static let nameBytes = 256
    public static let alignment = 64
    /// Deepest JSON nesting in a header (the writer's is 5).
    public static let headerDepth = 16
    /// Objects at depth 3 of the header besides tensor entries (`metadata`'s members).
    public static let headerMetadataObjects = 64
    /// JSON values (openers and separators, `JSONCensus.values`) allowed per tensor entry (a full
    /// entry with rank-8 shape and quant parameters has 36) and for the metadata.
    public static let valuesPerTensor = 48
    public static let headerMetadataValues = 65_536
}
