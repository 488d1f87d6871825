import ClipzCore
import ClipzImport
@testable import ClipzRuntime
import XCTest

/// SigLIP from ONNX tower graphs (Tools/make_siglip_fixtures.py part `onnx`: transformers' SiglipModel
/// get_image_features / get_text_features exported with dynamo, and with the legacy TorchScript exporter at
/// opset 17) against torch's and onnxruntime's outputs, and against the same model imported from its
/// safetensors folder.
final class SigLIPONNXTests: XCTestCase {
    let dir = fixtures + "/siglip_hf"
    var towers: [String] { [dir + "/vision.onnx", dir + "/text.onnx"] }
    /// The legacy exporter's graphs: the pooling head's in_proj is cut by Slices with bounds computed from Shape ops.
    var legacyTowers: [String] { [dir + "/vision_legacy.onnx", dir + "/text_legacy.onnx"] }

    func golden() throws -> [String: Tensor] { try NumpyFiles.readNPZ(dir + "/golden.npz") }

    func testEmbeddingsMatchTorchAndOnnxRuntime() throws {
        for (paths, suffix) in [(towers, ""), (legacyTowers, "_legacy")] {
            let (source, _) = try SourceImporter.load(paths: paths)
            let m = try CLIPModel(source: source)
            try assertMatchesGolden(m, golden: dir + "/golden.npz", minCosine: 0.99999)
            let g = try golden()
            let ids = try XCTUnwrap(g["input_ids"]), flat = ids.ints(), L = ids.shape[1]
            let img = try m.encodeImages(pixels: try XCTUnwrap(g["pixel_values"]).floats(), count: 2)
            let txt = try m.encodeTexts(tokens: (0..<ids.shape[0]).map { Array(flat[($0 * L)..<(($0 + 1) * L)]) })
            let ci = rowCosines(img, try XCTUnwrap(g["image_embeds_ort" + suffix]).floats(), d: 32)
            let ct = rowCosines(txt, try XCTUnwrap(g["text_embeds_ort" + suffix]).floats(), d: 32)
            print("SigLIP ONNX\(suffix) vs onnxruntime: image cosines \(ci), text cosines \(ct)")
            for c in ci + ct { XCTAssertGreaterThanOrEqual(c, 0.99999, paths[0]) }
        }
    }

    func testSameModelAsTheSafetensorsImport() throws {
        for paths in [towers, legacyTowers] { try assertSameModelAsTheSafetensorsImport(paths.reversed()) }
    }

    func assertSameModelAsTheSafetensorsImport(_ paths: [String]) throws {
        let (onnx, _) = try SourceImporter.load(paths: paths)
        let (hf, _) = try SourceImporter.load(paths: [dir])
        XCTAssertEqual(onnx.metadata.config, hf.metadata.config)
        XCTAssertEqual(onnx.metadata.preprocessing, hf.metadata.preprocessing)
        var tok = onnx.metadata.tokenizer, want = hf.metadata.tokenizer
        tok.source = nil; want.source = nil
        XCTAssertEqual(tok, want)
        // Every tensor but the logit pair (absent from tower graphs) is bitwise the checkpoint's.
        var theirs: [String: Tensor] = [:]
        for t in hf.tensors { theirs[t.name] = try t.load() }
        XCTAssertEqual(Set(onnx.tensors.map(\.name)), Set(theirs.keys))
        for src in onnx.tensors where ![CanonicalName.logitScale, CanonicalName.logitBias].contains(src.name) {
            let t = try src.load(), want = try XCTUnwrap(theirs[src.name], src.name)
            XCTAssertEqual(t.shape, want.shape, "\(paths[0]): \(src.name)")
            XCTAssertEqual(t.bytes, want.bytes, "\(paths[0]): \(src.name) differs")
        }
    }

    func testNotesNameTheStructureAndDefaults() throws {
        let m = try ONNXImporter.load(paths: towers)
        let c = m.metadata.config
        let vision = try XCTUnwrap(c.vision), text = try XCTUnwrap(c.text)
        XCTAssertEqual(c.scoring, .sigmoid)
        XCTAssertEqual(vision.pooling, .attentionProbe)
        XCTAssertFalse(vision.classToken || vision.preLN || vision.projection)
        XCTAssertTrue(vision.patchBias && text.projectionBias)
        XCTAssertFalse(text.causal)
        XCTAssertEqual(text.pooling, .last)
        XCTAssertEqual(vision.activation, .geluTanh)
        XCTAssertEqual(vision.layerNormEps, 1e-6)
        XCTAssertEqual(m.metadata.tokenizer.kind, TokenizerSpec.sentencePieceKind)
        let notes = m.metadata.provenance.notes.joined(separator: "\n")
        for part in ["attention-probe pooling head", "bidirectional attention", "logit_scale: no Exp(constant)", "logit_bias: no constant",
                     "(SigLIP's initialisation); embeddings and class rankings do not depend on it, probabilities do",
                     "from config.json", "scoring sigmoid"] {
            XCTAssertTrue(notes.contains(part), "notes lack '\(part)':\n\(notes)")
        }
        let scale = try XCTUnwrap(m.tensors.first { $0.name == CanonicalName.logitScale }).load().floats()[0]
        let bias = try XCTUnwrap(m.tensors.first { $0.name == CanonicalName.logitBias }).load().floats()[0]
        XCTAssertEqual(scale, Float(log(10.0)), accuracy: 1e-6)
        XCTAssertEqual(bias, -10)
    }

    /// A processor size with the graph's patch grid is the image size (So400m/14-384: 27 × 14 = 378 < 384): the
    /// file says 39 px for the fixture's 4 × 8 grid, and the pixels past 32 are never read.
    func testProcessorSizeWithTheGraphsGridIsTheImageSize() throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("siglip-onnx-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        for f in ["vision.onnx", "text.onnx", "spiece.model", "tokenizer_config.json", "config.json"] {
            try FileManager.default.copyItem(atPath: dir + "/" + f, toPath: tmp + "/" + f)
        }
        let processor = try String(contentsOfFile: dir + "/preprocessor_config.json", encoding: .utf8)
            .replacingOccurrences(of: "\"height\": 32", with: "\"height\": 39").replacingOccurrences(of: "\"width\": 32", with: "\"width\": 39")
        try processor.write(toFile: tmp + "/preprocessor_config.json", atomically: true, encoding: .utf8)
        let (wide, _) = try SourceImporter.load(paths: [tmp + "/vision.onnx", tmp + "/text.onnx"])
        XCTAssertEqual(wide.metadata.config.vision?.imageSize, 39)
        XCTAssertEqual(wide.metadata.preprocessing.cropSize, 39)
        XCTAssertTrue(wide.metadata.provenance.notes.contains { $0.contains("image 39 from preprocessor_config.json") })
        let m39 = try CLIPModel(source: wide), m32 = try CLIPModel(source: try SourceImporter.load(paths: towers).0)
        var rng = SplitMix64(seed: 4)
        let big = (0..<(3 * 39 * 39)).map { _ in rng.nextGaussian() }
        let crop = (0..<3).flatMap { c in (0..<32).flatMap { y in (0..<32).map { x in big[(c * 39 + y) * 39 + x] } } }
        XCTAssertEqual(try m39.encodeImages(pixels: big, count: 1), try m32.encodeImages(pixels: crop, count: 1))
    }

    /// CLIP's text towers keep their causal mask (each exporter builds it its own way).
    func testCLIPTowersStayCausal() throws {
        for files in [["combined_op17.onnx"], ["combined_op14.onnx"], ["combined_dynamo.onnx"], ["vision_op17.onnx", "text_op17.onnx"]] {
            let m = try ONNXImporter.load(paths: files.map { fixtures + "/hf_tiny/" + $0 })
            XCTAssertTrue(m.metadata.config.text!.causal)
            XCTAssertEqual(m.metadata.config.scoring, .softmax)
            let notes = m.metadata.provenance.notes.joined(separator: "\n")
            XCTAssertTrue(notes.contains("text: causal attention (mask from"), "\(files): \(notes)")
        }
        let oc = try ONNXImporter.load(paths: ["text_op17.onnx", "image_op17.onnx"].map { fixtures + "/openclip_tiny/onnx_vocab512/" + $0 })
        XCTAssertTrue(oc.metadata.provenance.notes.contains { $0.hasPrefix("text: causal attention (mask from") }, "\(oc.metadata.provenance.notes)")
    }
}

/// One ONNX tower graph alone (an image or a text encoder published by itself) converts into a one-tower model.
final class SingleTowerONNXTests: XCTestCase {
    func testEachCLIPTowerGraphAloneMatchesTorch() throws {
        let dir = fixtures + "/hf_tiny"
        let g = try NumpyFiles.readNPZ(dir + "/golden.npz")
        let (vs, _) = try SourceImporter.load(paths: [dir + "/vision_op17.onnx"])
        XCTAssertNil(vs.metadata.config.text)
        XCTAssertFalse(vs.tensors.contains { $0.name.hasPrefix("text.") || $0.name.hasPrefix("tokenizer.") || $0.name == CanonicalName.logitScale })
        let vm = try CLIPModel(source: vs)
        let img = try vm.encodeImages(pixels: try XCTUnwrap(g["pixel_values"]).floats(), count: 2)
        for c in rowCosines(img, try XCTUnwrap(g["image_embeds"]).floats(), d: vm.embedDim) { XCTAssertGreaterThan(c, 0.99999) }
        XCTAssertThrowsError(try vm.encodeTexts(tokens: [[1, 2]])) { XCTAssertTrue("\($0)".contains("no text tower"), "\($0)") }

        let (ts, _) = try SourceImporter.load(paths: [dir + "/text_op17.onnx"])
        XCTAssertNil(ts.metadata.config.vision)
        let tm = try CLIPModel(source: ts)
        let ids = try XCTUnwrap(g["input_ids"]), flat = ids.ints(), L = ids.shape[1]
        let txt = try tm.encodeTexts(tokens: (0..<ids.shape[0]).map { Array(flat[($0 * L)..<(($0 + 1) * L)]) })
        for c in rowCosines(txt, try XCTUnwrap(g["text_embeds"]).floats(), d: tm.embedDim) { XCTAssertGreaterThan(c, 0.99999) }
        XCTAssertThrowsError(try tm.encodeImages(pixels: [Float](repeating: 0, count: 3 * 32 * 32), count: 1)) {
            XCTAssertTrue("\($0)".contains("no image tower"), "\($0)")
        }
    }
}
