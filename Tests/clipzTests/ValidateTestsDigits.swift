import ClipzInputs
import ClipzRuntime
import ClipzValidate
import Foundation
import XCTest
@testable import clipz

/// `clipz validate` in dataset mode on the trained digits model (Tests/Fixtures/digits, 360 held-out
/// PNGs; PyTorch's zero-shot accuracy is in its reference.json). Skipped when that fixture is absent.
final class ValidateDigitsTests: XCTestCase {
    var dir = ""
    let digits = ValidateFixtures.digits
    let template = "a photo of the number {}."

    override func setUpWithError() throws {
        guard FileManager.default.fileExists(atPath: digits + "/heldout") else { throw MissingFixture("Tests/Fixtures/digits not present") }
        dir = try ValidateFixtures.tempDir()
    }
    override func tearDownWithError() throws { if !dir.isEmpty { try? FileManager.default.removeItem(atPath: dir) } }

    /// Converts the safetensors checkpoint (another importer than the ONNX reference) to fp32 `.clipz`.
    func fp32() throws -> String {
        let out = dir + "/digits.clipz"
        if !FileManager.default.fileExists(atPath: out) { try ValidateFixtures.convert([digits + "/model.safetensors"], to: out) }
        return out
    }

    func testInt8AgainstONNXOnHeldOutDataset() throws {
        let i8 = dir + "/digits-int8.clipz"
        try ValidateFixtures.quantizeInt8(try fp32(), to: i8)
        let cmd = try ValidateFixtures.command([i8, "--reference", digits + "/combined_op17.onnx", "--dataset", digits + "/heldout",
                                                "--template", template, "--speed-runs", "1", "--quiet"])
        let r = try cmd.makeReport()
        let a = try XCTUnwrap(r.accuracy), image = try XCTUnwrap(r.image), text = try XCTUnwrap(r.text)
        print("digits int8 vs ONNX: accuracy \(a.reference ?? -1) → \(a.candidate), agreement \(r.top1Agreement ?? -1), image cos min \(image.cosine.min) p1 \(image.cosine.p1), text cos min \(text.cosine.min), image drift \(image.drift), text drift \(text.drift), size \(r.reference.bytes ?? 0) → \(r.candidate.bytes ?? 0), speed \(r.reference.imagesPerSecond ?? 0) → \(r.candidate.imagesPerSecond ?? 0)")
        XCTAssertEqual(image.n, 360); XCTAssertEqual(text.n, 10)
        // The reference reproduces PyTorch's accuracy on the saved PNGs.
        XCTAssertEqual(try XCTUnwrap(a.reference), try torchAccuracy(), accuracy: 1.5 / 360)
        XCTAssertLessThanOrEqual(abs(try XCTUnwrap(a.drop)), 0.5)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(r.top1Agreement), 0.98)
        let config = try CLIPModel(path: i8).config
        XCTAssertEqual(image.drift.count, config.vision!.layers); XCTAssertEqual(text.drift.count, config.text!.layers)
        XCTAssertGreaterThanOrEqual(image.cosine.min, 0.999)
        XCTAssertTrue(r.passed, r.verdictLine)
        let json = r.jsonObject()
        let acc = try XCTUnwrap(json["accuracy"] as? [String: Any])
        XCTAssertNotNil(acc["drop"] as? Double)
        XCTAssertNotNil(json["top1_agreement"] as? Double)
        // An accuracy bound of −1 point (candidate must beat the reference by a point) fails with exit code 3.
        let strict = try ValidateFixtures.command([i8, "--reference", digits + "/combined_op17.onnx", "--dataset", digits + "/heldout",
                                                   "--template", template, "--speed-runs", "0", "--quiet", "--max-accuracy-drop=-1"])
        XCTAssertThrowsError(try strict.run()) { XCTAssertTrue($0 is ValidationThresholdError, "\($0)") }
    }

    func testFP32AgainstStoredPyTorchEmbeddings() throws {
        let cmd = try ValidateFixtures.command([try fp32(), "--reference-embeddings", digits + "/reference_embeddings.npz",
                                                "--dataset", digits + "/heldout", "--template", template, "--speed-runs", "1", "--quiet"])
        let r = try cmd.makeReport()
        let image = try XCTUnwrap(r.image), text = try XCTUnwrap(r.text), a = try XCTUnwrap(r.accuracy)
        print("digits fp32 vs PyTorch embeddings: image cos min \(image.cosine.min) max|Δ| \(image.maxAbsDiff), text cos min \(text.cosine.min), accuracy \(a.reference ?? -1) → \(a.candidate)")
        XCTAssertGreaterThanOrEqual(image.cosine.min, 0.9999)
        XCTAssertGreaterThanOrEqual(text.cosine.min, 0.9999)
        XCTAssertEqual(try XCTUnwrap(a.reference), try torchAccuracy(), accuracy: 1.5 / 360)
        XCTAssertEqual(a.candidate, try torchAccuracy(), accuracy: 1.5 / 360)
        XCTAssertTrue(image.drift.isEmpty && text.drift.isEmpty)
        XCTAssertNil(r.reference.imagesPerSecond)
        XCTAssertNotNil(r.candidate.imagesPerSecond)
        XCTAssertTrue(r.passed, r.verdictLine)
    }

    func testStoredEmbeddingsMustMatchTheInputs() throws {
        // 36 images of one class against 360 stored rows: refused with an input error, not a verdict.
        let cmd = try ValidateFixtures.command([try fp32(), "--reference-embeddings", digits + "/reference_embeddings.npz",
                                                "--images", digits + "/heldout/zero", "--quiet"])
        XCTAssertThrowsError(try cmd.makeReport()) { guard case InputError.badInput = $0 else { return XCTFail("\($0)") } }
        // Synthetic images cannot match stored embeddings either.
        let none = try ValidateFixtures.command([try fp32(), "--reference-embeddings", digits + "/reference_embeddings.npz", "--quiet"])
        XCTAssertThrowsError(try none.makeReport()) { guard case InputError.badInput = $0 else { return XCTFail("\($0)") } }
    }
}

/// PyTorch's held-out zero-shot accuracy, as Tools/train_digits.py recorded it.
func torchAccuracy() throws -> Double {
    let url = URL(fileURLWithPath: ValidateFixtures.digits + "/reference.json")
    let ref = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    return try XCTUnwrap(ref["zero_shot_accuracy"] as? Double)
}
