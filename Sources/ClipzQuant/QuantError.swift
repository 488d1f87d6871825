/// Errors of the quantizer and calibration files.
public enum QuantError: Error, CustomStringConvertible, Equatable {
    /// The input is already quantized (quantize a fp32 .clipz).
    case notFloatModel(String)
    /// Calibration file missing, malformed or for another model.
    case calibration(file: String, detail: String)
    /// `--exclude` is not a valid regular expression.
    case badPattern(String)
    /// `--weight-bits` outside what int8 weights support (7 or 8).
    case badWeightBits(Int)
    /// Static int8 without a float model run to measure the accuracy guard on (`Quantizer.Options.probe`).
    case noGuardProbe(file: String)

    public var description: String {
        switch self {
        case let .notFloatModel(m): return "\(m); quantize a fp32 (or fp16) .clipz made by `clipz convert`"
        case let .calibration(f, d): return "\(f): \(d)"
        case let .badPattern(p): return "--exclude '\(p)' is not a valid regular expression"
        case let .badWeightBits(b):
            return "--weight-bits \(b) is not supported: use 8 (the default) or 7 (weights in -63...63, faster on CPUs without VNNI)"
        case let .noGuardProbe(f):
            return "\(f): static int8 measures each layer's error on the float model; pass Quantizer.Options.probe "
                + "(ClipzRuntime's ModelActivations over a few inputs), as `clipz quantize` does"
        }
    }
}
