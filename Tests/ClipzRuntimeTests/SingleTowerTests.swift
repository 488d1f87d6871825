import ClipzCore
import ClipzFormat
import ClipzImport
import ClipzQuant
@testable import ClipzRuntime
import XCTest

/// Single towers (Tools/make_tower_fixtures.py): `CLIPVisionModelWithProjection` and
/// `CLIPTextModelWithProjection` saved from hf_tiny's weights, each converted into a `.clipz` that holds
/// only its tower, run against the torch goldens, quantized, and asked for the absent tower.
final class SingleTowerTests: XCTestCase {
    var dir = ""
    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("tower-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    /// Converts a fixture folder's safetensors (config.json beside it) into `dir/name.clipz`.
    func convert(_ folder: String) throws -> String {
        let (src, _) = try SourceImporter.load(paths: [fixtures + "/\(folder)/model.safetensors"])
        let out = dir + "/\(folder).clipz"
        try ClipzWriter.write(src, to: out)
        return out
    }

    func quantized(_ fp32: String, _ target: Quantizer.Options, name: String) throws -> String {
        let (src, quant, _) = try Quantizer.quantize(try ClipzFile(path: fp32), options: target)
        let out = dir + "/\(name).clipz"
        try ClipzWriter.write(src, to: out, quant: quant)
        return out
    }

    func golden(_ folder: String) throws -> [String: Tensor] { try NumpyFiles.readNPZ(fixtures + "/\(folder)/golden.npz") }

    func images(_ path: String) throws -> [Float] {
        try CLIPModel(path: path).encodeImages(pixels: try XCTUnwrap(golden("hf_tiny_vision")["pixel_values"]).floats(), count: 2)
    }

    func texts(_ path: String) throws -> [Float] {
        let ids = try XCTUnwrap(golden("hf_tiny_text")["input_ids"]), flat = ids.ints(), L = ids.shape[1]
        return try CLIPModel(path: path).encodeTexts(tokens: (0..<ids.shape[0]).map { Array(flat[($0 * L)..<(($0 + 1) * L)]) })
    }

    func message(_ body: () throws -> Any) -> String {
        do { _ = try body(); return "no error" } catch { return "\(error)" }
    }

    /// Converts `folder`, checks it holds only its tower, matches its golden (which equals hf_tiny's),
    /// quantizes to int8 and fp16, and returns the file.
    func checkTower(_ folder: String, key: String, prefix: String, embed: (String) throws -> [Float]) throws -> String {
        let path = try convert(folder)
        let f = try ClipzFile(path: path)
        XCTAssertTrue(f.entries.allSatisfy { $0.name.hasPrefix(prefix) || $0.name == CanonicalName.bpeMerges }, "\(f.entries.map(\.name))")
        XCTAssertNil(f.entry(named: CanonicalName.logitScale))
        let e = try embed(path)
        let gold = try XCTUnwrap(golden(folder)[key]).floats()
        XCTAssertEqual(gold, try XCTUnwrap(golden("hf_tiny")[key]).floats())
        let cos = rowCosines(e, gold, d: 16)
        print("\(folder): cosines vs torch \(cos)")
        for c in cos { XCTAssertGreaterThanOrEqual(c, 0.99999) }
        for (target, name, floor) in [(Quantizer.Options(target: .int8), "i8", 0.999), (.init(target: .fp16), "f16", 0.99999)] {
            let q = try quantized(path, target, name: name)
            let c = rowCosines(try embed(q), e, d: 16).min()!
            print("\(folder) \(name): min cosine vs fp32 \(c)")
            XCTAssertGreaterThanOrEqual(c, floor)
            XCTAssertTrue(try CLIPModel(path: q).isInt8(prefix + "layers.0.attn.q.weight") == (name == "i8"))
        }
        return path
    }

    func testImageTowerConvertsRunsQuantizesAndRefusesTexts() throws {
        let path = try checkTower("hf_tiny_vision", key: "image_embeds", prefix: "vision.", embed: images)
        XCTAssertNil(try ClipzFile(path: path).metadata.config.text)
        XCTAssertNil(try ClipzFile(path: path).entry(named: CanonicalName.bpeMerges), "an image encoder carries no tokenizer")
        let m = message { try self.texts(path) }
        XCTAssertTrue(m.contains(path) && m.contains("no text tower (image encoder only)") && m.contains("embed images"), m)
        XCTAssertTrue(message { try CLIPModel(path: path).tokenize(["a"]) }.contains("no text tower"))
    }

    func testTextTowerConvertsRunsQuantizesAndRefusesImages() throws {
        let path = try checkTower("hf_tiny_text", key: "text_embeds", prefix: "text.", embed: texts)
        XCTAssertNil(try ClipzFile(path: path).metadata.config.vision)
        let m = message { try self.images(path) }
        XCTAssertTrue(m.contains(path) && m.contains("no image tower (text encoder only); embed texts, or convert a checkpoint with both towers"), m)
    }

    /// A config with neither tower, or a tower whose tensors are missing, is a clear error, not a crash.
    func testNoTowerOrMissingTensorsAreRefused() throws {
        let none = ModelConfig(vision: nil, text: nil, embedDim: 16)
        XCTAssertTrue(message { try none.validate() }.contains("neither a vision nor a text tower"))
        let vision = ModelConfig(vision: SyntheticModel.tinyConfig().vision, text: nil, embedDim: 16)
        let m = message { try CanonicalName.checkAccounted([(CanonicalName.patchEmbed, [32, 3, 8, 8])], config: vision, requireAll: true) }
        XCTAssertTrue(m.contains("model has no tensor '\(CanonicalName.classEmbed)'"), m)
        // A text tensor in an image-only file has no place.
        let u = message { try CanonicalName.checkAccounted([(CanonicalName.tokenEmbed, [512, 32])], config: vision, requireAll: false) }
        XCTAssertTrue(u.contains(CanonicalName.tokenEmbed) && u.contains("no text tower"), u)
        XCTAssertFalse(CanonicalName.expectedShapes(vision).contains { $0.0 == CanonicalName.logitScale })
    }

    /// Loading a single-tower model whose tensors are missing, or a header with neither tower, is an error.
    func testLoadingAnIncompleteOrTowerlessModelIsAnError() throws {
        var source = SyntheticModel.make(config: ModelConfig(vision: SyntheticModel.tinyConfig().vision, text: nil, embedDim: 16))
        XCTAssertNoThrow(try CLIPModel(source: source))
        source.tensors.removeAll { $0.name == CanonicalName.visionProj }
        XCTAssertTrue(message { try CLIPModel(source: source) }.contains(CanonicalName.visionProj))
        source.metadata.config.vision = nil
        XCTAssertTrue(message { try CLIPModel(source: source) }.contains("neither a vision nor a text tower"))
    }
}
