import ClipzCore
@testable import ClipzImport
import XCTest

final class ONNXImportTests: XCTestCase {
    /// Imports `files` and compares every canonical tensor with `canonical.npz` (bitwise for f32,
    /// within f16 rounding for f16 graphs) and the config with `canonical_config.json`.
    func check(_ folder: String, _ files: [String], f16: Bool = false, file: StaticString = #filePath, line: UInt = #line) throws {
        let paths = files.map { ONNXFixtures.path("\(folder)/\($0)") }
        guard paths.allSatisfy({ FileManager.default.fileExists(atPath: $0) }) else { throw MissingFixture("fixture \(folder)/\(files) not present") }
        let model = try ONNXImporter.load(paths: paths)
        let want = try ONNXFixtures.config("\(folder)/canonical_config.json")
        XCTAssertEqual(model.metadata.config, want, "config of \(files)", file: file, line: line)
        try model.validateCanonical()
        XCTAssertEqual(model.metadata.provenance.importer, "onnx")
        XCTAssertEqual(model.metadata.provenance.sources.count, files.count)
        let golden = try ONNXTestNpz.read(ONNXFixtures.path("\(folder)/canonical.npz"))
        let hasLogit = model.metadata.provenance.notes.contains { $0.hasPrefix("logit_scale from") }
        for src in model.tensors {
            let t = try src.load()
            XCTAssertEqual(t.shape, src.shape, src.name)
            guard let g = golden[src.name] else { XCTFail("golden lacks \(src.name)", file: file, line: line); continue }
            // The generator stores logit_scale as shape (1,) although the canonical form is rank 0.
            XCTAssertEqual(src.name == CanonicalName.logitScale ? [] : g.shape, t.shape, src.name, file: file, line: line)
            if src.name == CanonicalName.logitScale && !hasLogit {
                XCTAssertEqual(t.floats()[0], Float(log(100.0)), accuracy: 1e-6); continue
            }
            if f16 {
                XCTAssertEqual(t.dtype, .f16, src.name)
                let want = try Tensor(name: "", dtype: .f32, shape: g.shape, bytes: g.data).converted(to: .f16)
                XCTAssertEqual(t.bytes, want.bytes, "\(src.name) differs beyond f16 rounding", file: file, line: line)
            } else {
                XCTAssertEqual(t.dtype, .f32, src.name)
                XCTAssertEqual(t.bytes, g.data, "\(src.name) differs", file: file, line: line)
            }
        }
    }

    func testHFCombinedOpset17() throws { try check("hf_tiny", ["combined_op17.onnx"]) }
    func testHFCombinedOpset14() throws { try check("hf_tiny", ["combined_op14.onnx"]) }
    func testHFSplitTowersAnyOrder() throws {
        try check("hf_tiny", ["vision_op17.onnx", "text_op17.onnx"])
        try check("hf_tiny", ["text_op17.onnx", "vision_op17.onnx"])
    }
    func testHFExternalData() throws { try check("hf_tiny", ["external/combined_op17.onnx"]) }
    func testHFFloat16() throws { try check("hf_tiny", ["combined_op17_fp16.onnx"], f16: true) }
    func testHFDynamo() throws { try check("hf_tiny", ["combined_dynamo.onnx"]) }
    func testHFPlain() throws { try check("hf_plain", ["combined_op17.onnx"]) }
    func testOpenCLIPTowers() throws { try check("openclip_tiny/onnx_vocab512", ["text_op17.onnx", "image_op17.onnx"]) }
}
