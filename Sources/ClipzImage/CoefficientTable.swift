/// Fixed-point resampling weights along one axis for a contiguous range of output positions,
/// computed exactly as Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc` (Resample.c) so that
/// the integer passes reproduce Pillow's uint8 output bit for bit.
struct CoefficientTable {
    /// Pillow keeps 22 fraction bits for 8-bit images: 255 × 2^22 × (sum of |weights|) fits in Int32.
    static let precisionBits: Int32 = 22

    /// Taps per output position (the row stride of `weights`).
    let taps: Int
    /// First source index used by each output position.
    let starts: [Int]
    /// Number of source indices used by each output position (≤ taps).
    let counts: [Int]
    /// `outputs.count * taps` weights scaled by 2^22; unused taps are 0.
    let weights: [Int32]

    /// Identity mapping (Pillow skips the pass when the size is unchanged; one tap of weight 1.0
    /// gives the very same bytes).
    init(identity outputs: Range<Int>) {
        taps = 1
        starts = Array(outputs)
        counts = Array(repeating: 1, count: outputs.count)
        weights = Array(repeating: Int32(1) << Self.precisionBits, count: outputs.count)
    }

    /// Weights mapping `inSize` source samples onto `outSize` outputs, for positions `outputs` only
    /// (the centre crop never needs the rest). Requires inSize, outSize > 0 and outputs ⊂ 0..<outSize.
    init(inSize: Int, outSize: Int, outputs: Range<Int>, filter: ResampleFilter) {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1.0)
        let support = filter.support * filterScale
        let taps = Int(support.rounded(.up)) * 2 + 1
        var starts = [Int](), counts = [Int]()
        starts.reserveCapacity(outputs.count)
        counts.reserveCapacity(outputs.count)
        var weights = [Int32](repeating: 0, count: outputs.count * taps)
        var k = [Double](repeating: 0, count: taps)
        let ss = 1.0 / filterScale
        for (row, xx) in outputs.enumerated() {
            let center = (Double(xx) + 0.5) * scale
            // Pillow rounds with a C cast (truncation toward zero) after adding 0.5.
            let xmin = max(Int(center - support + 0.5), 0)
            let xmax = min(Int(center + support + 0.5), inSize)
            let count = min(max(xmax - xmin, 0), taps)
            var total = 0.0
            for x in 0..<count {
                let w = filter.weight((Double(x + xmin) - center + 0.5) * ss)
                k[x] = w
                total += w
            }
            for x in 0..<count {
                let w = total != 0 ? k[x] / total : k[x]
                let scaled = w * Double(Int32(1) << Self.precisionBits)
                weights[row * taps + x] = Int32(w < 0 ? -0.5 + scaled : 0.5 + scaled)
            }
            starts.append(xmin)
            counts.append(count)
        }
        self.taps = taps
        self.starts = starts
        self.counts = counts
        self.weights = weights
    }

    /// Source indices touched by all outputs: `lowerBound..<upperBound`.
    var sourceRange: Range<Int> {
        guard let first = starts.first else { return 0..<0 }
        var hi = first
        for i in starts.indices { hi = max(hi, starts[i] + counts[i]) }
        return (starts.min() ?? first)..<hi
    }
}
