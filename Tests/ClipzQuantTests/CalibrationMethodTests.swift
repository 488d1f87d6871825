import ClipzQuant
import XCTest

/// The four clip methods on histograms whose answer is known by hand.
final class CalibrationMethodTests: XCTestCase {
    /// A histogram over [0, maxValue] with the given counts per bin.
    func histogram(maxValue: Float, bins: Int, counts: [Int: Double]) -> AbsHistogram {
        var h = AbsHistogram(maxValue: maxValue, bins: bins)
        for (i, c) in counts { h.bins[i] = c }
        return h
    }

    func testMinmaxAndPercentileOnAUniformHistogram() {
        // One count per bin, bins of width 1 over [0, 2048]: the p-th percentile is the edge where the
        // running count first reaches p% of 2048.
        let h = histogram(maxValue: 2048, bins: 2048, counts: Dictionary(uniqueKeysWithValues: (0..<2048).map { ($0, 1.0) }))
        XCTAssertEqual(CalibrationMethod.minmax.clip(h, percentile: 0), 2048)
        XCTAssertEqual(CalibrationMethod.percentile.clip(h, percentile: 50), 1024)      // 1024 counts at edge 1024
        XCTAssertEqual(CalibrationMethod.percentile.clip(h, percentile: 99.9), 2046)    // 2045.952 counts → edge 2046
        XCTAssertEqual(CalibrationMethod.percentile.clip(h, percentile: 100), 2048)
        // Empty: the top.
        XCTAssertEqual(AbsHistogram(maxValue: 7).percentile(50), 7)
    }

    func testMSEMatchesTheClosedFormOptimum() {
        // N values in bin 0 and one outlier in the last bin (centre c). Cost of threshold t: rounding noise
        // N·(t/127)²/12 plus the clipped outlier's (c − t)². d/dt = 0 → t* = c / (1 + N / (12·127²)).
        let n = 1_000_000.0, maxValue: Float = 100, bins = 2048
        let h = histogram(maxValue: maxValue, bins: bins, counts: [0: n, bins - 1: 1])
        let c = (Double(bins) - 0.5) * Double(maxValue) / Double(bins)
        let optimum = c / (1 + n / (12 * 127 * 127))
        let t = CalibrationMethod.mse.clip(h, percentile: 0)
        print("mse: closed form \(optimum), method \(t)")
        // The method searches every 8th bin edge (8 · 100/2048 = 0.39 apart).
        XCTAssertEqual(Double(t), optimum, accuracy: 0.4)
        // Far fewer small values: the outlier is worth keeping, the threshold moves to the top.
        let few = histogram(maxValue: maxValue, bins: bins, counts: [0: 10, bins - 1: 1])
        XCTAssertEqual(CalibrationMethod.mse.clip(few, percentile: 0), maxValue)
    }

    func testEntropyKeepsAUniformRangeAndDropsAFarOutlier() {
        // Uniform over bins 0..<1000, nothing above: every threshold ≥ 1000 quantizes it exactly (KL 0),
        // every lower one piles the clipped mass in one bin (KL > 0). The first candidate ≥ 1000 wins:
        // candidates are 128, 144, … (every 16th edge), so 1008.
        let uniform = histogram(maxValue: 2048, bins: 2048, counts: Dictionary(uniqueKeysWithValues: (0..<1000).map { ($0, 5.0) }))
        XCTAssertEqual(CalibrationMethod.entropy.clip(uniform, percentile: 0), 1008)
        // Plus one isolated count at the top: in a level of its own it is represented exactly at threshold
        // 2048 (KL 0), while every threshold in 1008..<2048 piles it into a bin the quantized histogram
        // leaves empty (KL > 0). Entropy keeps the outlier; `mse` or `percentile` are the methods that clip it.
        var tail = uniform
        tail.bins[2047] = 1
        XCTAssertEqual(CalibrationMethod.entropy.clip(tail, percentile: 0), 2048)
        XCTAssertEqual(CalibrationMethod.percentile.clip(tail, percentile: 99.9), 1000)
        // Too few bins for 128 levels: the top.
        XCTAssertEqual(CalibrationMethod.entropy.clip(histogram(maxValue: 3, bins: 64, counts: [0: 1]), percentile: 0), 3)
    }

    func testHistogramCountsNonFiniteInputsInTheLastBinWithoutTrapping() {
        var h = AbsHistogram(maxValue: 4, bins: 4)
        let x: [Float] = [0.5, -1.5, 3.99, 4, 100, .nan, .infinity, -.infinity]
        x.withUnsafeBufferPointer { h.add($0) }
        XCTAssertEqual(h.bins, [1, 1, 0, 6])
        // With smoothing: |x / s| per channel (two channels).
        var s = AbsHistogram(maxValue: 4, bins: 4)
        let y: [Float] = [2, 2, 2, 2]
        y.withUnsafeBufferPointer { s.add($0, scale: [1, 2]) }
        XCTAssertEqual(s.bins, [0, 2, 2, 0])
    }
}
