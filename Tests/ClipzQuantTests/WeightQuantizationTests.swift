import ClipzCore
import ClipzQuant
import XCTest

/// Per-channel int8 weights and the simulated W8A8 layer error, against bounds and hand values.
final class WeightQuantizationTests: XCTestCase {
    func testRoundTripErrorIsWithinHalfAStepPerRow() throws {
        for bits in [8, 7] { try roundTrip(bits: bits) }
        let w = try Tensor(name: "w", shape: [1, 2], floats: [1, 2])
        for bits in [6, 9, 0] { XCTAssertThrowsError(try WeightQuantization.perChannel(w, bits: bits)) { XCTAssertEqual($0 as? QuantError, .badWeightBits(bits)) } }
    }

    func roundTrip(bits: Int) throws {
        let qmax = Float((1 << (bits - 1)) - 1)
        var rng = SplitMix64(seed: 3)
        let rows = 16, cols = 40
        var v = (0..<(rows * cols)).map { _ in rng.nextGaussian() * 0.1 }
        v[5 * cols + 7] = 3     // an outlier makes its row's step coarse, not the others'
        for c in 0..<cols { v[9 * cols + c] = 0 }   // an all-zero row
        let w = try Tensor(name: "w", shape: [rows, cols], floats: v)
        let (q, scale, relative) = try WeightQuantization.perChannel(w, bits: bits)
        XCTAssertEqual(q.dtype, .i8)
        XCTAssertEqual(q.bytes.map { Int8(bitPattern: $0) }.map { abs(Int($0)) }.max(), Int(qmax))
        XCTAssertEqual(scale.name, "w.scale")
        let back = try WeightQuantization.dequantize(q, scale: scale).floats(), s = scale.floats()
        var err = 0.0, norm = 0.0
        for r in 0..<rows {
            let rowMax = (0..<cols).map { abs(v[r * cols + $0]) }.max()!
            XCTAssertEqual(s[r], rowMax > 0 ? rowMax / qmax : 1, accuracy: 1e-9)
            for c in 0..<cols {
                let d = abs(back[r * cols + c] - v[r * cols + c])
                XCTAssertLessThanOrEqual(d, s[r] / 2 * 1.0001, "row \(r) col \(c)")
                err += Double(d) * Double(d)
                norm += Double(v[r * cols + c]) * Double(v[r * cols + c])
            }
        }
        XCTAssertEqual(relative, (err / norm).squareRoot(), accuracy: 1e-6)
        // Half a step per element at most: ‖ΔW‖ ≤ √(Σ_r cols · (s_r / 2)²).
        let worst = (s.map { Double(cols) * Double($0 / 2) * Double($0 / 2) }.reduce(0, +)).squareRoot() / norm.squareRoot()
        XCTAssertLessThanOrEqual(relative, worst)
        XCTAssertLessThan(relative, 0.02 * 127 / Double(qmax))
        XCTAssertEqual(back[9 * cols..<(10 * cols)].allSatisfy { $0 == 0 }, true)
        XCTAssertEqual(back[5 * cols + 7], 3, accuracy: 1e-6)    // the row maximum maps to ±qmax exactly
        XCTAssertThrowsError(try WeightQuantization.dequantize(q, scale: try Tensor(name: "s", shape: [3], floats: [1, 1, 1])))
    }

    func testLayerErrorMeterByHand() throws {
        let identity = try Tensor(name: "w", shape: [2, 2], floats: [1, 0, 0, 1])
        // clip 127 → scale 1: integer inputs pass unchanged, the identity's weights are exact to a float ulp.
        var exact = try LayerErrorMeter(weight: identity, smooth: nil, clip: 127)
        let x: [Float] = [3, -7, 100, 0]
        x.withUnsafeBufferPointer { exact.add($0, rows: 2) }
        XCTAssertEqual(exact.relativeError, 0, accuracy: 1e-6)
        // clip 50: the 100 saturates at 50; Y = [3, −7, 100, 0] vs [3, −7, 50, 0] → 50 / √(9 + 49 + 10000).
        var clipped = try LayerErrorMeter(weight: identity, smooth: nil, clip: 50)
        x.withUnsafeBufferPointer { clipped.add($0, rows: 2) }
        XCTAssertEqual(clipped.relativeError, 50 / (10058.0).squareRoot(), accuracy: 1e-3)
        // A clip of 1e38 rounds every input to 0: the whole output is lost.
        var huge = try LayerErrorMeter(weight: identity, smooth: nil, clip: 1e38)
        x.withUnsafeBufferPointer { huge.add($0, rows: 2) }
        XCTAssertEqual(huge.relativeError, 1, accuracy: 1e-12)
        // Smoothing s = [2, 0.5]: X/s is quantized, W·diag(s) is quantized; 254/2 = 127 saturates nothing.
        var smoothed = try LayerErrorMeter(weight: identity, smooth: [2, 0.5], clip: 127)
        let y: [Float] = [254, 10]
        y.withUnsafeBufferPointer { smoothed.add($0, rows: 1) }
        XCTAssertEqual(smoothed.relativeError, 0, accuracy: 1e-6)
        XCTAssertThrowsError(try LayerErrorMeter(weight: identity, smooth: [1, 1, 1], clip: 1))
        // A zero clip fails any bound instead of dividing by zero.
        var zero = try LayerErrorMeter(weight: identity, smooth: nil, clip: 0)
        x.withUnsafeBufferPointer { zero.add($0, rows: 2) }
        XCTAssertFalse(zero.relativeError <= 1)
    }
}
