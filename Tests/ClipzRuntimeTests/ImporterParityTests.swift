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
    /// torch's default (dynamo) exporter with dynamic batch and sequence axes (Tools/make_dynamo_fixtures.py):
    /// reshape targets built from Shape(x)[a:b], external data beside the graph.
    func testHFDynamoDynamicAxes() throws {
        try check(["hf_tiny/dynamic_combined.onnx"], golden: "hf_tiny/golden.npz")
        try check(["hf_tiny/dynamic_text.onnx", "hf_tiny/dynamic_vision.onnx"], golden: "hf_tiny/golden.npz")
    }
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
    /// PyTorch checkpoints read without Python (Tools/make_pytorch_fixtures.py): an older HF repo's
    /// pytorch_model.bin (with its int64 position_ids buffers), the same weights in float16, open_clip's
    /// torch.save(state_dict) and an OpenAI-style TorchScript archive of the same open_clip model.
    func testHFPyTorchBin() throws { try check(["hf_tiny/pytorch_model.bin"], golden: "hf_tiny/golden.npz", config: "hf_tiny/config.json") }
    func testHFPyTorchBinHalfPrecision() throws {
        try check(["hf_tiny/pytorch_model_fp16.bin"], golden: "hf_tiny/golden.npz", config: "hf_tiny/config.json", minCosine: 0.9999)
    }
    func testHFShardedPyTorchBin() throws { try check(["hf_sharded_bin"], golden: "hf_tiny/golden.npz") }
    func testOpenCLIPPyTorchBin() throws { try check(["openclip_pt/open_clip_pytorch_model.bin"], golden: "openclip_pt/golden.npz") }
    func testOpenAITorchScriptArchive() throws {
        try check(["openclip_pt/openai_jit.pt"], golden: "openclip_pt/golden.npz", config: "openclip_pt/open_clip_config.json")
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
