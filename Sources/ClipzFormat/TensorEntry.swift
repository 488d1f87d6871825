import ClipzCore

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
