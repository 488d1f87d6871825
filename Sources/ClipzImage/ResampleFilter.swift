/// Resampling filters with Pillow's definitions (`Image.Resampling.BICUBIC` / `BILINEAR`).
/// Downscaling widens the filter by the scale factor (antialiasing), as Pillow always does.
public enum ResampleFilter: String, Sendable, CaseIterable {
    case bicubic
    case bilinear

    /// Half-width of the kernel at scale 1.
    var support: Double {
        switch self {
        case .bicubic: return 2
        case .bilinear: return 1
        }
    }

    /// Kernel value at distance `x` (Pillow's bicubic uses a = -0.5).
    func weight(_ x: Double) -> Double {
        let x = abs(x)
        switch self {
        case .bicubic:
            let a = -0.5
            if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
            if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
            return 0
        case .bilinear:
            return x < 1 ? 1 - x : 0
        }
    }
}
