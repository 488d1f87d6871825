public struct QuantizationRecord: Codable, Sendable, Equatable {
    /// "fp16", "bf16", "int8_weight_only", "int8_static".
    public var type: String
    public var excluded: [String]
    public var smoothAlpha: Double?
    public var calibration: [String: String]?
    /// Layers kept in higher precision by the accuracy guard.
    public var fallbacks: [String]
    /// Bits of the int8 linear weights when not 8 (7: values in -63...63); nil (absent) = 8.
    public var weightBits: Int?
    public init(type: String, excluded: [String] = [], smoothAlpha: Double? = nil, calibration: [String: String]? = nil, fallbacks: [String] = [],
                weightBits: Int? = nil) {
        self.type = type; self.excluded = excluded; self.smoothAlpha = smoothAlpha; self.calibration = calibration; self.fallbacks = fallbacks
        self.weightBits = weightBits
    }
    enum CodingKeys: String, CodingKey { case type, excluded, smoothAlpha = "smooth_alpha", calibration, fallbacks, weightBits = "weight_bits" }
}
