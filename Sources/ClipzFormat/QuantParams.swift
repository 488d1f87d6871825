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
