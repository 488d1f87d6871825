@testable import ClipzValidate
import XCTest

/// Per-block drift means and the summary statistics, by hand.
final class DriftAccumulatorTests: XCTestCase {
    func testMeansPerBlockByHand() {
        var d = DriftAccumulator()
        // Block 1: rows (1,0)·(1,0) = 1 and (0,1)·(1,0) = 0 → mean 0.5; block 0 never seen → NaN.
        d.add(layer: 1, [1, 0, 0, 1], [1, 0, 1, 0], width: 2)
        // Block 1 again: (3,4)·(−3,−4) = −1 → (1 + 0 − 1) / 3 = 0.
        d.add(layer: 1, [3, 4], [-3, -4], width: 2)
        XCTAssertEqual(d.means.count, 2)
        XCTAssertTrue(d.means[0].isNaN)
        XCTAssertEqual(d.means[1], 0, accuracy: 1e-12)
        // Out-of-range block numbers are ignored, not allocated.
        d.add(layer: 1 << 20, [1, 0], [1, 0], width: 2)
        d.add(layer: -1, [1, 0], [1, 0], width: 2)
        XCTAssertEqual(d.means.count, 2)
    }

    func testMeanAndMedian() {
        XCTAssertEqual(Stats.mean([1, 2, 3, 10]), 4)
        XCTAssertEqual(Stats.median([1, 2, 3, 10]), 2.5)
        XCTAssertTrue(Stats.mean([]).isNaN)
    }
}
