/// Errors of the quantizer and calibration files.
public enum QuantError: Error, CustomStringConvertible, Equatable {
    /// The input is already quantized (quantize a fp32 .clipz).
    case notFloatModel(String)
    /// Calibration file missing, malformed or for another model.
    case calibration(file: String, detail: String)
    /// `--exclude` is not a valid regular expression.
    case badPattern(String)
    /// A static int8 request without calibration data.
    case needsCalibration

    public var description: String {
        switch self {
        case let .notFloatModel(m): return "\(m); quantize a fp32 (or fp16) .clipz made by `clipz convert`"
        case let .calibration(f, d): return "\(f): \(d)"
        case let .badPattern(p): return "--exclude '\(p)' is not a valid regular expression"
        case .needsCalibration: return "--type int8 with static activations needs --calibration CAL.json (make one with `clipz calibrate`), or use --activations dynamic"
        }
    }
}
