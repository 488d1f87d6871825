import ClipzCore
import Foundation
import XCTest
@testable import ClipzImport

/// Round trips: a synthetic model written in every dump format and naming scheme must come back
/// bit-identical in canonical form.
final class DumpImportTests: XCTestCase {
    func testHFSafetensorsWithCanonicalConfig() throws {
        let dir = try makeTempDir()
        try write(DumpWriter.safetensors(try DumpTestModel.hf(prefix: "model.")), dir + "/model.safetensors")
        try DumpTestModel.configJSON().write(to: URL(fileURLWithPath: dir + "/cfg.json"))
        let m = try DumpImporter.load(paths: [dir + "/model.safetensors"], configPath: dir + "/cfg.json")
        XCTAssertEqual(m.metadata.config, DumpTestModel.config)
        XCTAssertEqual(m.metadata.provenance.importer, "safetensors-hf")
        XCTAssertEqual(m.metadata.provenance.sources.count, 2)
        XCTAssertEqual(m.metadata.provenance.sources[0].sha256, try SHA256.hexOfFile(at: dir + "/model.safetensors"))
        // Hugging Face names: the HF processor's crop rule, as no preprocessor_config.json says otherwise.
        XCTAssertEqual(m.metadata.preprocessing, Preprocessing(resizeShortest: 32, cropSize: 32, cropOffset: .floor))
        try m.validateCanonical()
        try assertSameTensors(m, try DumpTestModel.canonical())
    }

    func testHFConfigJSONBesideTheFile() throws {
        let dir = try makeTempDir()
        try write(DumpWriter.safetensors(try DumpTestModel.hf()), dir + "/model.safetensors")
        let hf = """
        {"projection_dim": 16, "text_config": {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
         "num_attention_heads": 4, "max_position_embeddings": 16, "vocab_size": 64, "eos_token_id": 63, "hidden_act": "gelu"},
         "vision_config": {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
         "image_size": 32, "patch_size": 8}}
        """
        try write(Array(hf.utf8), dir + "/config.json")
        try write(Array(#"{"image_mean":[0.5,0.5,0.5],"image_std":[0.25,0.25,0.25],"size":{"shortest_edge":32},"crop_size":{"height":32,"width":32},"resample":2}"#.utf8),
                  dir + "/preprocessor_config.json")
        let m = try DumpImporter.load(paths: [dir], configPath: nil)
        XCTAssertEqual(m.metadata.config.text!.pooling, .firstEOS)
        XCTAssertEqual(m.metadata.config.text!.eosTokenID, 63)
        XCTAssertEqual(m.metadata.config.text!.activation, .gelu)
        XCTAssertEqual(m.metadata.config.vision!.activation, .quickGELU)
        XCTAssertEqual(m.metadata.config.vision!.heads, 4)
        XCTAssertEqual(m.metadata.preprocessing.mean, [0.5, 0.5, 0.5])
        XCTAssertEqual(m.metadata.preprocessing.resample, "bilinear")
        XCTAssertEqual(m.metadata.tokenizer.contextLength, 16)
        try assertSameTensors(m, try DumpTestModel.canonical())
    }

    func testHFLegacyEOSTwoUsesArgmax() throws {
        let (c, _) = try HFConfig.parse(["text_config": ["eos_token_id": 2]], file: "x")
        XCTAssertEqual(c.text!.pooling, .argmaxID)
        XCTAssertEqual(c.text!.width, 512)
        XCTAssertEqual(c.vision!.width, 768)
        XCTAssertEqual(c.vision!.patchSize, 32)
    }

    func testOpenCLIPSafetensorsWithConfig() throws {
        let dir = try makeTempDir()
        try write(DumpWriter.safetensors(try DumpTestModel.openCLIP()), dir + "/open_clip_model.safetensors")
        let cfg = """
        {"model_cfg": {"embed_dim": 16, "quick_gelu": true,
          "vision_cfg": {"image_size": 32, "layers": 2, "width": 32, "head_width": 8, "patch_size": 8, "mlp_ratio": 2.0},
          "text_cfg": {"context_length": 16, "vocab_size": 64, "width": 32, "heads": 4, "layers": 2, "mlp_ratio": 2}},
         "preprocess_cfg": {"mean": [0.1, 0.2, 0.3], "std": [0.5, 0.5, 0.5], "interpolation": "bicubic"}}
        """
        try write(Array(cfg.utf8), dir + "/open_clip_config.json")
        let m = try DumpImporter.load(paths: [dir], configPath: nil)
        XCTAssertEqual(m.metadata.provenance.importer, "safetensors-open_clip")
        var want = DumpTestModel.config
        want.text!.eosTokenID = 49407
        XCTAssertEqual(m.metadata.config, want)
        XCTAssertEqual(m.metadata.preprocessing.mean, [0.1, 0.2, 0.3])
        try assertSameTensors(m, try DumpTestModel.canonical())
    }

    func testInferredConfigRecordsNote() throws {
        let dir = try makeTempDir()
        try write(DumpWriter.safetensors(try DumpTestModel.openCLIP()), dir + "/w.safetensors")
        let m = try DumpImporter.load(paths: [dir + "/w.safetensors"], configPath: nil)
        let c = m.metadata.config
        XCTAssertEqual([c.vision!.imageSize, c.vision!.patchSize, c.vision!.width, c.vision!.layers, c.vision!.mlpDim], [32, 8, 32, 2, 64])
        XCTAssertEqual([c.text!.contextLength, c.text!.vocabSize, c.text!.width, c.text!.layers, c.embedDim], [16, 64, 32, 2, 16])
        XCTAssertEqual(c.vision!.heads, 1)  // width 32 < 64: one head, guessed
        XCTAssertTrue(m.metadata.provenance.notes.first?.contains("heads guessed") ?? false)
        try assertSameTensors(m, try DumpTestModel.canonical())
    }

    func testShardedSafetensors() throws {
        let dir = try makeTempDir()
        let hf = try DumpTestModel.hf()
        let half = hf.count / 2
        try write(DumpWriter.safetensors(Array(hf[..<half])), dir + "/model-00001-of-00002.safetensors")
        try write(DumpWriter.safetensors(Array(hf[half...])), dir + "/model-00002-of-00002.safetensors")
        let map = hf.enumerated().map { "\"\($1.name)\": \"model-0000\($0 < half ? 1 : 2)-of-00002.safetensors\"" }.joined(separator: ",")
        try write(Array("{\"metadata\": {}, \"weight_map\": {\(map)}}".utf8), dir + "/model.safetensors.index.json")
        let m = try DumpImporter.load(paths: [dir], configPath: nil)
        XCTAssertEqual(m.metadata.provenance.sources.count, 3)
        try assertSameTensors(m, try DumpTestModel.canonical())
    }

    func testNpyDirAndNpzWithCanonicalNames() throws {
        let dir = try makeTempDir(), npyDir = dir + "/npy"
        try FileManager.default.createDirectory(atPath: npyDir, withIntermediateDirectories: true)
        let canon = try DumpTestModel.canonical()
        for t in canon { try write(DumpWriter.npy(t), npyDir + "/\(t.name).npy") }
        let cfg = dir + "/cfg.json"
        try DumpTestModel.configJSON().write(to: URL(fileURLWithPath: cfg))
        let a = try DumpImporter.load(paths: [npyDir], configPath: cfg)
        XCTAssertEqual(a.metadata.provenance.importer, "npy-dir")
        try assertSameTensors(a, canon)

        try write(DumpWriter.zip(canon.map { ($0.name + ".npy", DumpWriter.npy($0)) }), dir + "/m.npz")
        let b = try DumpImporter.load(paths: [dir + "/m.npz"], configPath: cfg)
        XCTAssertEqual(b.metadata.provenance.importer, "npz")
        try assertSameTensors(b, canon)
    }

    func testRawDumpWithEmbeddedConfig() throws {
        let dir = try makeTempDir()
        let canon = try DumpTestModel.hf()
        var blob: [UInt8] = [], entries: [String] = []
        for t in canon {
            entries.append("{\"name\": \"\(t.name)\", \"dtype\": \"f32\", \"shape\": \(t.shape), \"file\": \"weights.bin\", \"offset\": \(blob.count)}")
            blob += t.bytes
        }
        try write(blob, dir + "/weights.bin")
        let cfg = String(decoding: try DumpTestModel.configJSON(), as: UTF8.self)
        try write(Array("{\"format\": \"clipz-raw-dump\", \"version\": 1, \"config\": \(cfg), \"tensors\": [\(entries.joined(separator: ","))]}".utf8),
                  dir + "/manifest.json")
        let m = try DumpImporter.load(paths: [dir], configPath: nil)
        XCTAssertEqual(m.metadata.provenance.importer, "raw")
        XCTAssertEqual(m.metadata.config, DumpTestModel.config)
        try assertSameTensors(m, try DumpTestModel.canonical())
    }

    func testHalfPrecisionKeepsDtypeThroughTranspose() throws {
        let dir = try makeTempDir()
        let half = try DumpTestModel.openCLIP().map { try $0.converted(to: .f16) }
        try write(DumpWriter.safetensors(half), dir + "/model.safetensors")
        let m = try DumpImporter.load(paths: [dir + "/model.safetensors"], configPath: nil)
        try assertSameTensors(m, try DumpTestModel.canonical().map { try $0.converted(to: .f16) })
    }

    func testCanHandle() throws {
        let dir = try makeTempDir()
        XCTAssertFalse(DumpImporter.canHandle(path: dir))
        try write(DumpWriter.safetensors([]), dir + "/a.safetensors")
        XCTAssertTrue(DumpImporter.canHandle(path: dir))
        XCTAssertTrue(DumpImporter.canHandle(path: dir + "/a.safetensors"))
        XCTAssertFalse(DumpImporter.canHandle(path: dir + "/missing.npz"))
    }
}
