import ClipzCore
@testable import ClipzImport
import XCTest

/// Broken graphs, corrupt bytes and unsafe external-data paths must give typed errors.
final class ONNXImportErrorTests: XCTestCase {
    func mismatch(_ file: String, nodeContains: String, expectedContains: String, line: UInt = #line) throws {
        let path = ONNXFixtures.path("broken/\(file)")
        guard FileManager.default.fileExists(atPath: path) else { throw MissingFixture("broken/\(file) missing") }
        XCTAssertThrowsError(try ONNXImporter.load(paths: [path]), file: #filePath, line: line) { e in
            guard case let ImportError.graphMismatch(f, node, expected) = e else { return XCTFail("\(file): \(e)", line: line) }
            XCTAssertEqual(f, path, line: line)
            XCTAssertTrue(node.contains(nodeContains), "\(file): node '\(node)'", line: line)
            XCTAssertTrue(expected.contains(expectedContains), "\(file): expected '\(expected)'", line: line)
        }
    }

    func testRemovedPostLayerNorm() throws {
        try mismatch("no_post_ln.onnx", nodeContains: "layers.0/Add_1", expectedContains: "post layer norm")
    }
    func testWrongHeadReshapeConstant() throws {
        try mismatch("bad_head_reshape.onnx", nodeContains: "self_attn/MatMul", expectedContains: "disagree")
    }
    func testUnknownActivation() throws {
        try mismatch("relu_activation.onnx", nodeContains: "Relu", expectedContains: "known MLP activation")
        try mismatch("silu_activation.onnx", nodeContains: "activation_fn", expectedContains: "1.702")
    }

    /// One tower graph alone is a one-tower model (SingleTowerONNXTests checks its embeddings); the same tower twice is refused.
    func testSingleTowerGraphIsOneTowerAndTwinsAreRefused() throws {
        let v = ONNXFixtures.path("hf_tiny/vision_op17.onnx")
        let single = try ONNXImporter.load(paths: [v])
        XCTAssertNil(single.metadata.config.text)
        XCTAssertTrue(single.metadata.provenance.notes.contains { $0.contains("one tower only") })
        XCTAssertThrowsError(try ONNXImporter.load(paths: [v, v])) { e in
            guard case ImportError.config = e else { return XCTFail("\(e)") }
        }
        XCTAssertTrue(ONNXImporter.canHandle(path: "/x/Model.ONNX"))
        XCTAssertFalse(ONNXImporter.canHandle(path: "/x/model.safetensors"))
    }

    func testProvenanceNotesAndHash() throws {
        let p = ONNXFixtures.path("hf_tiny/combined_op14.onnx")
        let m = try ONNXImporter.load(paths: [p])
        XCTAssertEqual(m.metadata.provenance.sources.first?.sha256, try SHA256.hexOfFile(at: p))
        let notes = m.metadata.provenance.notes.joined(separator: "\n")
        XCTAssertTrue(notes.contains("opset 14"), notes)
        XCTAssertTrue(notes.contains("decomposed"), notes)
        XCTAssertTrue(notes.contains("logit_scale from the Exp"), notes)
        XCTAssertEqual(m.metadata.preprocessing.cropSize, 32)
        XCTAssertEqual(m.metadata.tokenizer.contextLength, 16)
    }

    // MARK: corrupt bytes

    func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("onnx-err-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: d) }
        return d
    }

    func testTruncatedFilesGiveTypedErrors() throws {
        let src = try Data(contentsOf: URL(fileURLWithPath: ONNXFixtures.path("hf_tiny/text_op17.onnx")))
        let dir = try tempDir()
        for cut in [0, 1, 7, 100, src.count / 3, src.count / 2, src.count - 1] {
            let p = dir.appendingPathComponent("t\(cut).onnx")
            try src.prefix(cut).write(to: p)
            XCTAssertThrowsError(try ONNXImporter.load(paths: [p.path]), "cut \(cut)") { e in
                XCTAssertTrue(e is ImportError, "cut \(cut): \(e)")
                if cut == src.count / 2, case ImportError.malformed = e {} else if cut == src.count / 2 { XCTFail("\(e)") }
            }
        }
    }

    func testBitFlipsNeverCrash() throws {
        let src = [UInt8](try Data(contentsOf: URL(fileURLWithPath: ONNXFixtures.path("hf_tiny/vision_op17.onnx"))))
        let text = ONNXFixtures.path("hf_tiny/text_op17.onnx")
        let dir = try tempDir()
        var rng = SplitMix(seed: 42), failures = 0
        for i in 0..<60 {
            var b = src
            for _ in 0..<4 { let at = Int(rng.next() % UInt64(b.count)); b[at] ^= UInt8(1 << (rng.next() % 8)) }
            let p = dir.appendingPathComponent("f\(i).onnx")
            try Data(b).write(to: p)
            do {
                let m = try ONNXImporter.load(paths: [p.path, text])
                for t in m.tensors { _ = try t.load() }   // a flip inside weights is still a valid model
                try m.validateCanonical()
            } catch is ImportError { failures += 1 } catch is CoreError { failures += 1 }
        }
        XCTAssertGreaterThan(failures, 0, "some flips must hit structure and be rejected")
    }

    // MARK: external data

    /// Copies the external-data fixture into a temp folder, the data file through `dataTransform`
    /// (escaping locations are covered by ModelFolderTests' table).
    func externalCopy(dataTransform: (URL, URL) throws -> Void = { try FileManager.default.copyItem(at: $0, to: $1) }) throws -> URL {
        let src = URL(fileURLWithPath: ONNXFixtures.path("hf_tiny/external/combined_op17.onnx"))
        let dir = try tempDir()
        let model = dir.appendingPathComponent("combined_op17.onnx")
        try FileManager.default.copyItem(at: src, to: model)
        try dataTransform(src.appendingPathExtension("data"), dir.appendingPathComponent("combined_op17.onnx.data"))
        return model
    }

    func testExternalDataTooShort() throws {
        let model = try externalCopy { src, dst in
            try Data(try Data(contentsOf: src).prefix(1000)).write(to: dst)
        }
        XCTAssertThrowsError(try ONNXImporter.load(paths: [model.path])) { e in
            guard case ImportError.malformed = e else { return XCTFail("\(e)") }
        }
    }

    func testExternalDataInSameFolderLoads() throws {
        let m = try ONNXImporter.load(paths: [try externalCopy().path])
        XCTAssertEqual(m.tensors.count, CanonicalName.expectedShapes(m.metadata.config).count)
        XCTAssertNoThrow(try m.tensors.map { try $0.load() })
    }
}

/// Deterministic PRNG for the corruption corpus.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
