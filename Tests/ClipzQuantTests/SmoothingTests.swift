import ClipzCore
import ClipzQuant
import XCTest

/// SmoothQuant folding: factors by hand, and the folded float model equal to the unfolded one.
final class SmoothingTests: XCTestCase {
    func testFactorsByHand() throws {
        // s_j = a_j^α / w_j^(1−α): α = 0.5, a = [4, 1], column maxima w = [1, 4] → [2, 0.5].
        let w = try Tensor(name: "w", shape: [2, 2], floats: [1, -4, 0.5, 2])
        XCTAssertEqual(Smoothing.factors(activationAbsMax: [4, 1], weights: [w], alpha: 0.5), [2, 0.5])
        // α = 1 moves everything into the weights: s = a; clamped to 1e-4...1e4.
        XCTAssertEqual(Smoothing.factors(activationAbsMax: [4, 1e9], weights: [w], alpha: 1), [4, 1e4])
        XCTAssertEqual(Smoothing.factors(activationAbsMax: [0, 1], weights: [w], alpha: 1), [1e-4, 1])
    }

    func testFoldedLayerNormAndLinearEqualTheUnfoldedOnesInFloat() throws {
        var rng = SplitMix64(seed: 9)
        let k = 48, out = 24, rows = 32
        let gamma = (0..<k).map { _ in 1 + 0.2 * rng.nextGaussian() }, beta = (0..<k).map { _ in 0.1 * rng.nextGaussian() }
        let wv = (0..<(out * k)).map { _ in 0.05 * rng.nextGaussian() }
        var h = (0..<(rows * k)).map { _ in rng.nextGaussian() }
        for r in 0..<rows { h[r * k + 3] *= 40; h[r * k + 17] *= 25 }   // outlier channels, as in CLIP's residual stream
        let z = layerNorm(h, rows: rows, k: k)
        let w = try Tensor(name: "fc1", shape: [out, k], floats: wv)
        let g = try Tensor(name: "ln.weight", shape: [k], floats: gamma), b = try Tensor(name: "ln.bias", shape: [k], floats: beta)

        let x = affine(z, gamma, beta, rows: rows, k: k)
        let actMax = (0..<k).map { j in (0..<rows).map { abs(x[$0 * k + j]) }.max()! }
        let s = Smoothing.factors(activationAbsMax: actMax, weights: [w], alpha: 0.5)
        let folded = linear(affine(z, try Smoothing.divide(g, by: s).floats(), try Smoothing.divide(b, by: s).floats(), rows: rows, k: k),
                            try Smoothing.scaleColumns(w, by: s).floats(), rows: rows, k: k, out: out)
        let plain = linear(x, wv, rows: rows, k: k, out: out)
        let scale = plain.map { abs($0) }.max()!
        let diff = zip(folded, plain).map { abs($0 - $1) }.max()!
        print("smoothing fold: max |Δ| \(diff) of max |y| \(scale); factors \(s.min()!)...\(s.max()!)")
        // Float rounding only: a few ulps of the largest output.
        XCTAssertLessThanOrEqual(diff, 1e-5 * scale)
        // And smoothing did its job: the activation range per channel is flatter after it.
        let flat = (0..<k).map { actMax[$0] / s[$0] }
        XCTAssertLessThan(flat.max()! / flat.min()!, actMax.max()! / actMax.min()!)
    }

    func layerNorm(_ h: [Float], rows: Int, k: Int) -> [Float] {
        var out = h
        for r in 0..<rows {
            let row = h[(r * k)..<((r + 1) * k)].map(Double.init)
            let mean = row.reduce(0, +) / Double(k)
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(k)
            for j in 0..<k { out[r * k + j] = Float((row[j] - mean) / (variance + 1e-5).squareRoot()) }
        }
        return out
    }

    func affine(_ z: [Float], _ g: [Float], _ b: [Float], rows: Int, k: Int) -> [Float] {
        (0..<(rows * k)).map { z[$0] * g[$0 % k] + b[$0 % k] }
    }

    func linear(_ x: [Float], _ w: [Float], rows: Int, k: Int, out: Int) -> [Float] {
        var y = [Float](repeating: 0, count: rows * out)
        for r in 0..<rows { for o in 0..<out { for j in 0..<k { y[r * out + o] += x[r * k + j] * w[o * k + j] } } }
        return y
    }
}
