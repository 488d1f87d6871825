import ClipzCore
import ClipzFormat
import ClipzImport
import ClipzInputs
@testable import ClipzRuntime
import XCTest

/// Every importer fixture, converted through `.clipz` and run by the runtime, reproduces the exporter's
/// golden embeddings (torch, float64) per sample.
final class ImporterParityTests: XCTestCase {
    func check(_ sources: [String], golden: String, config: String? = nil, minCosine: Double = 0.99999) throws {
        let (src, _) = try SourceImporter.load(paths: sources.map { fixtures + "/" + $0 }, options: .init(configPath: config.map { fixtures + "/" + $0 }))
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("parity-\(UUID().uuidString).clipz").path
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        try ClipzWriter.write(src, to: tmp)
        try assertMatchesGolden(try CLIPModel(path: tmp), golden: fixtures + "/" + golden, minCosine: minCosine)
    }

    func testHFCombinedOpset17() throws { try check(["hf_tiny/combined_op17.onnx"], golden: "hf_tiny/golden.npz") }
    func testHFCombinedOpset14() throws { try check(["hf_tiny/combined_op14.onnx"], golden: "hf_tiny/golden.npz") }
    func testHFDynamoOpset20() throws { try check(["hf_tiny/combined_dynamo.onnx"], golden: "hf_tiny/golden.npz") }
    func testHFSplitTowersInEitherOrder() throws {
        try check(["hf_tiny/vision_op17.onnx", "hf_tiny/text_op17.onnx"], golden: "hf_tiny/golden.npz")
        try check(["hf_tiny/text_op17.onnx", "hf_tiny/vision_op17.onnx"], golden: "hf_tiny/golden.npz")
    }
    func testHFExternalData() throws { try check(["hf_tiny/external/combined_op17.onnx"], golden: "hf_tiny/golden.npz") }
    /// fp16 weights: the goldens come from the fp32 model, so the bound is fp16 rounding, not exactness.
    func testHFHalfPrecisionExport() throws { try check(["hf_tiny/combined_op17_fp16.onnx"], golden: "hf_tiny/golden.npz", minCosine: 0.9999) }
    func testHFNumpyDump() throws { try check(["hf_tiny/model.npz"], golden: "hf_tiny/golden.npz") }
    func testHFPlainDeduplicatedFirstEOS() throws { try check(["hf_plain/combined_op17.onnx"], golden: "hf_plain/golden.npz") }
    func testOpenCLIPTowers() throws {
        try check(["openclip_tiny/onnx_vocab512/image_op17.onnx", "openclip_tiny/onnx_vocab512/text_op17.onnx"], golden: "openclip_tiny/onnx_vocab512/golden.npz")
    }
    func testCanonicalDumpRoundTrip() throws { try check(["openclip_tiny/onnx_vocab512/canonical.npz"], golden: "openclip_tiny/onnx_vocab512/golden.npz",
                                                            config: "openclip_tiny/onnx_vocab512/canonical_config.json") }
}

/// The bundled trained example: zero-shot accuracy equals the reference framework's (Tools/train_digits.py).
final class DigitsAccuracyTests: XCTestCase {
    static let digits = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/digits").path

    func testZeroShotAccuracyMatchesPyTorch() throws {
        let d = Self.digits
        let ref = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: d + "/reference.json"))) as! [String: Any]
        let (src, _) = try SourceImporter.load(paths: [d + "/model.safetensors"])
        let model = try CLIPModel(source: src)
        let r = try model.zeroShot(try ImageDataset.scan(d + "/heldout"), template: ref["template"] as! String)
        let expected = ref["zero_shot_accuracy"] as! Double
        print("digits zero-shot: clipz \(r.accuracy) vs torch \(expected) on \(r.n) images")
        XCTAssertEqual(r.n, ref["n"] as? Int)
        XCTAssertEqual(r.accuracy, expected, accuracy: 0.005)
    }
}
