import ClipzCore
import ClipzInputs
import ClipzRuntime
import ClipzValidate
import Foundation
import XCTest

/// The numeric helpers and the verdict rules, without models.
final class ValidateStatsTests: XCTestCase {
    func testPercentileMatchesNumpyLinear() {
        // numpy.percentile([1, 2, 3, 4, 5], 1) == 1.04; [..., 50] == 3; [10, 0] at 25 == 2.5
        XCTAssertEqual(Stats.percentile([5, 1, 4, 2, 3], 1), 1.04, accuracy: 1e-12)
        XCTAssertEqual(Stats.percentile([5, 1, 4, 2, 3], 50), 3)
        XCTAssertEqual(Stats.percentile([10, 0], 25), 2.5, accuracy: 1e-12)
        XCTAssertEqual(Stats.percentile([7], 1), 7)
        XCTAssertTrue(Stats.percentile([], 1).isNaN)
        // The one definition serves bench too: numpy.percentile(range(1, 21), 95) == 19.05 (nearest rank gave 19),
        // and the median of an even count is the mean of the middle two.
        XCTAssertEqual(Stats.percentile((1...20).map(Double.init), 95), 19.05, accuracy: 1e-12)
        XCTAssertEqual(Stats.median([4, 1, 3, 2]), 2.5)
    }

    func testRowCosinesAndMaxAbsDiff() {
        let a: [Float] = [1, 0, 0, 0, 0, 0, 3, 4], b: [Float] = [2, 0, 0, 1, 0, 0, -3, -4]
        let c = Stats.rowCosines(a, b, width: 2)
        XCTAssertEqual(c[0], 1, accuracy: 1e-12)      // same direction, different length
        XCTAssertEqual(c[1], 0, accuracy: 1e-12)      // zero vs non-zero
        XCTAssertEqual(c[2], 1)                       // zero vs zero
        XCTAssertEqual(c[3], -1, accuracy: 1e-12)
        XCTAssertEqual(Stats.maxAbsDiffNormalized(a, b, width: 2), 1.6, accuracy: 1e-6)   // |0.8 − (−0.8)|
        XCTAssertEqual(ZeroShot.argmaxRows([0, 2, 2, 5, 1, 0], cols: 3), [1, 0])
    }

    func report(minCos: Double, drop: Double?) -> ValidationReport {
        let tower = ValidationReport.Tower(n: 4, cosine: .init(mean: 0.9995, min: minCos, p1: minCos), maxAbsDiff: 0.01, drift: [0.9999, 0.999])
        return ValidationReport(reference: .init(name: "ref", bytes: 400, imagesPerSecond: 10),
                                candidate: .init(name: "cand", bytes: 100, imagesPerSecond: 25),
                                image: tower, text: tower, top1Agreement: drop == nil ? nil : 0.99,
                                accuracy: drop.map { .init(reference: 0.9, candidate: 0.9 - $0 / 100) }, speedBatch: 8,
                                thresholds: .init(), imageInputs: "x", textInputs: "y")
    }

    func testVerdictRules() {
        XCTAssertTrue(report(minCos: 0.9991, drop: 0.4).passed)
        XCTAssertFalse(report(minCos: 0.9989, drop: nil).passed)
        XCTAssertFalse(report(minCos: .nan, drop: nil).passed, "NaN cosine must fail")
        let r = report(minCos: 0.9995, drop: 0.6)
        XCTAssertEqual(r.failures.count, 1)
        XCTAssertTrue(r.verdictLine.hasPrefix("FAIL: accuracy drop 0.60"), r.verdictLine)
        XCTAssertTrue(r.textSummary().hasSuffix(r.verdictLine))
        XCTAssertTrue(r.textSummary().contains("400 B → 100 B (25.0%)"))
        XCTAssertTrue(r.textSummary().contains("10.0 → 25.0 img/s (2.50×)"))
    }

    func testHTMLEscapesNamesAndKeepsChartsWithoutDrift() {
        var r = report(minCos: 0.9995, drop: nil)
        r.candidate.name = "<img src=x onerror=alert(1)>.clipz"
        r.text?.drift = []
        let page = r.html()
        XCTAssertFalse(page.contains("<img"))
        XCTAssertTrue(page.contains("&lt;img src=x"))
        XCTAssertEqual(page.components(separatedBy: "<svg").count - 1, 2)
        XCTAssertTrue(page.contains("no per-block drift"))
        XCTAssertEqual(r.jsonObject()["passed"] as? Bool, true)
    }

    func testSyntheticTokensStayInsideTheVocabulary() {
        for pooling in [TextPooling.argmaxID, .firstEOS] {
            let cfg = TextConfig(contextLength: 16, vocabSize: 512, width: 32, layers: 2, heads: 2, mlpDim: 64, pooling: pooling, eosTokenID: 300)
            let rows = SyntheticInputs.tokens(count: 8, config: cfg)
            XCTAssertEqual(rows.count, 8)
            let end = pooling == .argmaxID ? 511 : 300
            for r in rows {
                XCTAssertTrue(r.count >= 2 && r.count <= 16)
                XCTAssertEqual(r.last, end)
                XCTAssertTrue(r.allSatisfy { $0 >= 0 && $0 < 512 })
                XCTAssertEqual(r.filter { $0 == end }.count, 1, "the pooled token appears once")
                if pooling == .argmaxID { XCTAssertEqual(r.max(), end) }
            }
        }
    }
}
