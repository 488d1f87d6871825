import ClipzCore

/// Quantization parameters of one tensor (Formats/clipz.md, "Tensor entry").
public struct QuantParams: Codable, Sendable, Equatable {
    public var scheme: String
    public var axis: Int?
    public var scale: String?
    public var groupSize: Int?
    public init(scheme: String, axis: Int? = nil, scale: String? = nil, groupSize: Int? = nil) {
        self.scheme = scheme; self.axis = axis; self.scale = scale; self.groupSize = groupSize
    }
    public static let int8PerChannel = "int8_symmetric_per_channel"
    enum CodingKeys: String, CodingKey { case scheme, axis, scale, groupSize = "group_size" }
}

/// One row of the tensor table. `dtype` and `encoding` stay strings so that a file from a newer
/// minor version opens and only the unknown tensor fails.
public struct TensorEntry: Codable, Sendable, Equatable {
    public var name: String
    public var dtype: String
    public var shape: [Int]
    public var encoding: String
    public var offset: Int
    public var storedBytes: Int
    public var rawBytes: Int
    public var crc32c: UInt32
    public var quant: QuantParams?
    enum CodingKeys: String, CodingKey {
        case name, dtype, shape, encoding, offset, storedBytes = "stored_bytes", rawBytes = "raw_bytes", crc32c, quant
    }
    public var knownDType: DType? { DType(rawValue: dtype) }
}

/// Payload encodings.
public enum Encoding: String, Sendable {
    case raw, zstd
    case zstdBytePlanes = "zstd_byteplanes"
}

/// The JSON header.
struct FileHeader: Codable {
    var format: String
    var metadata: ModelMetadata
    var tensors: [TensorEntry]
}

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
