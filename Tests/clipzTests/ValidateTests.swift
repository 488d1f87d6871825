import ArgumentParser
import ClipzValidate
import Foundation
import XCTest
@testable import clipz

/// `clipz validate` on the tiny HF fixture in --pixels/--tokens mode.
final class ValidateTests: XCTestCase {
    var dir = ""
    var fp32 = ""
    var pixels = ""
    var tokens = ""

    override func setUpWithError() throws {
        dir = try ValidateFixtures.tempDir()
        fp32 = dir + "/fp32.clipz"
        try ValidateFixtures.convert([ValidateFixtures.onnx], to: fp32)
        (pixels, tokens) = try ValidateFixtures.goldenInputs(in: dir)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    func args(_ candidate: String, _ extra: [String] = []) -> [String] {
        [candidate, "--reference", ValidateFixtures.onnx, "--pixels", pixels, "--tokens", tokens, "--speed-runs", "1", "--quiet"] + extra
    }

    func testFP32AgainstONNXSourcePasses() throws {
        let cmd = try ValidateFixtures.command(args(fp32))
        let r = try cmd.makeReport()
        let image = try XCTUnwrap(r.image), text = try XCTUnwrap(r.text)
        XCTAssertEqual(image.n, 2); XCTAssertEqual(text.n, 2)
        XCTAssertGreaterThanOrEqual(image.cosine.min, 0.99999)
        XCTAssertGreaterThanOrEqual(text.cosine.min, 0.99999)
        XCTAssertLessThan(image.maxAbsDiff, 1e-5)
        XCTAssertEqual(image.drift.count, 2); XCTAssertEqual(text.drift.count, 2)
        for d in image.drift + text.drift { XCTAssertGreaterThanOrEqual(d, 0.99999) }
        XCTAssertTrue(r.passed, r.verdictLine)
        XCTAssertNil(r.accuracy); XCTAssertNil(r.top1Agreement)
        XCTAssertGreaterThan(r.candidate.bytes ?? 0, 100_000)
        XCTAssertGreaterThan(r.reference.bytes ?? 0, 100_000)
        XCTAssertGreaterThan(r.candidate.imagesPerSecond ?? 0, 0)
        XCTAssertGreaterThan(r.reference.imagesPerSecond ?? 0, 0)
        XCTAssertNoThrow(try cmd.run())   // exit code 0
    }

    func testInt8CandidatePassesDefaultsButDrifts() throws {
        let i8 = dir + "/int8.clipz"
        try ValidateFixtures.quantizeInt8(fp32, to: i8)
        let r = try ValidateFixtures.command(args(i8)).makeReport()
        let image = try XCTUnwrap(r.image), text = try XCTUnwrap(r.text)
        print("int8 vs ONNX: image cos min \(image.cosine.min) max|Δ| \(image.maxAbsDiff) drift \(image.drift); text cos min \(text.cosine.min) drift \(text.drift); size \(r.reference.bytes ?? 0) → \(r.candidate.bytes ?? 0)")
        XCTAssertGreaterThanOrEqual(image.cosine.min, 0.999)
        XCTAssertGreaterThanOrEqual(text.cosine.min, 0.999)
        // Quantization must show up: not bit-identical, and the file is smaller than the fp32 one.
        XCTAssertLessThan(image.cosine.min, 0.9999999)
        XCTAssertGreaterThan(image.maxAbsDiff, 1e-5)
        XCTAssertLessThan(image.drift.min() ?? 1, 1)
        XCTAssertTrue(r.passed, r.verdictLine)
        XCTAssertLessThan(try XCTUnwrap(r.candidate.bytes), ValidationReference.diskBytes(fp32))
    }

    func testImpossibleThresholdThrowsExitCode3() throws {
        let cmd = try ValidateFixtures.command(args(fp32, ["--min-cosine", "1.01"]))
        XCTAssertThrowsError(try cmd.run()) { error in
            XCTAssertTrue(error is ValidationThresholdError, "\(error)")
            XCTAssertTrue("\(error)".contains("min cosine"), "\(error)")
        }
    }

    func testExecutableExitCodes() throws {
        guard let exe = ValidateFixtures.executable else { throw MissingFixture("clipz executable not found beside the tests") }
        let (ok, json, err) = try ValidateFixtures.runExecutable(exe, ["validate"] + args(fp32, ["--json"]))
        XCTAssertEqual(ok, 0, err)
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        XCTAssertEqual(obj["passed"] as? Bool, true)
        XCTAssertEqual(try ValidateFixtures.runExecutable(exe, ["validate"] + args(fp32, ["--min-cosine", "1.01"])).0, 3)
        XCTAssertEqual(try ValidateFixtures.runExecutable(exe, ["validate"] + args(fp32, ["--reference-embeddings", pixels])).0, 2)   // both references
        XCTAssertEqual(try ValidateFixtures.runExecutable(exe, ["validate", fp32, "--reference", dir + "/missing.onnx"]).0, 1)
    }

    func testJSONHasDocumentedKeys() throws {
        let r = try ValidateFixtures.command(args(fp32)).makeReport()
        let obj = r.jsonObject()
        // It must serialise (no NaN, no Swift-only types).
        let data = try JSONSerialization.data(withJSONObject: obj)
        let back = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        func at(_ path: String) -> Any? {
            var cur: Any? = back
            for k in path.split(separator: ".") { cur = (cur as? [String: Any])?[String(k)] }
            return cur
        }
        for key in ["image.cosine.mean", "image.cosine.min", "image.cosine.p1", "image.max_abs_diff",
                    "text.cosine.mean", "text.cosine.min", "text.cosine.p1", "text.max_abs_diff",
                    "size.reference", "size.candidate", "speed.reference", "speed.candidate",
                    "thresholds.min_cosine", "thresholds.max_accuracy_drop"] {
            XCTAssertNotNil(at(key) as? Double, key)
        }
        for key in ["top1_agreement", "accuracy"] { XCTAssertTrue(at(key) is NSNull, "\(key) is null without a dataset") }
        XCTAssertEqual((at("drift.image") as? [Any])?.count, 2)
        XCTAssertEqual((at("drift.text") as? [Double])?.count, 2)
        XCTAssertEqual(at("passed") as? Bool, true)
        XCTAssertEqual(at("thresholds.min_cosine") as? Double, 0.999)
        // JSON text keeps ~15 significant digits, so compare with a tolerance.
        XCTAssertEqual(try XCTUnwrap(at("image.cosine.min") as? Double), try XCTUnwrap(r.image?.cosine.min), accuracy: 1e-12)
    }

    func testHTMLReportIsSelfContainedWithChartsAndVerdict() throws {
        let out = dir + "/report.html"
        let cmd = try ValidateFixtures.command(args(fp32, ["--report", out]))
        try cmd.run()
        let page = try String(contentsOfFile: out, encoding: .utf8)
        XCTAssertEqual(page.components(separatedBy: "<svg").count - 1, 2, "one chart per tower")
        XCTAssertTrue(page.contains("Image tower: drift per block") && page.contains("Text tower: drift per block"))
        XCTAssertTrue(page.contains("class=\"verdict ok\">PASS<"))
        XCTAssertEqual(page.components(separatedBy: "<polyline").count - 1, 2)
        for banned in ["<script", "<link", "src=", "@import", "url("] { XCTAssertFalse(page.contains(banned), banned) }
        // An existing report is not replaced without --force.
        XCTAssertThrowsError(try ValidateFixtures.command(args(fp32, ["--report", out])).run())
        let failing = try ValidateFixtures.command(args(fp32, ["--report", out, "--force", "--min-cosine", "1.5"]))
        XCTAssertThrowsError(try failing.run())
        let page2 = try String(contentsOfFile: out, encoding: .utf8)
        XCTAssertTrue(page2.contains("class=\"verdict bad\">FAIL<"))
    }

    func testUsageErrors() {
        XCTAssertThrowsError(try ValidateFixtures.command([fp32]))                              // no reference
        XCTAssertThrowsError(try ValidateFixtures.command(args(fp32, ["--images", dir])))      // two image sources
        XCTAssertThrowsError(try ValidateFixtures.command(args(fp32, ["--template", "x"])))    // no {}
        XCTAssertThrowsError(try ValidateFixtures.command(args(fp32, ["--min-cosine", "nan"])))
    }
}
