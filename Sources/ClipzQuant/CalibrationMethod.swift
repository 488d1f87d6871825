/// How `clipz calibrate` turns a layer's histogram of |x| into a clipping threshold (Formats/calibration.md).
public enum CalibrationMethod: String, CaseIterable, Sendable {
    /// The largest |x| seen.
    case minmax
    /// The given percentile of |x|.
    case percentile
    /// The threshold minimising rounding plus clipping squared error.
    case mse
    /// The threshold minimising the KL divergence between the clipped histogram and its 128-level quantization.
    case entropy

    /// The clip this method chooses on `histogram`; `percentile` is used by `.percentile` only.
    public func clip(_ histogram: AbsHistogram, percentile: Double) -> Float {
        switch self {
        case .minmax: return histogram.maxValue
        case .percentile: return histogram.percentile(percentile)
        case .mse: return histogram.minimumMSE()
        case .entropy: return histogram.minimumKL()
        }
    }
}
