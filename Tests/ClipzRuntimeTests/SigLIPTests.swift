import ClipzCore
import ClipzFormat
import ClipzImport
import ClipzQuant
@testable import ClipzRuntime
import XCTest

/// SigLIP from a Hugging Face folder (Tools/make_siglip_fixtures.py: transformers' SiglipModel with
/// seeded weights, its own tokenizer and image processor) against transformers' outputs.
final class SigLIPTests: XCTestCase {
    let dir = fixtures + "/siglip_hf"

    func model() throws -> CLIPModel {
        let (source, _) = try SourceImporter.load(paths: [dir])
        return try CLIPModel(source: source)
    }

    func golden() throws -> [String: Tensor] { try NumpyFiles.readNPZ(dir + "/golden.npz") }

    func rows(_ t: Tensor) -> [[Int]] {
        let flat = t.ints(), L = t.shape[1]
        return (0..<t.shape[0]).map { Array(flat[($0 * L)..<(($0 + 1) * L)]) }
    }

    func testConfigAndTokenizerComeFromTheFolder() throws {
        let m = try model()
        let c = m.config
        XCTAssertEqual(c.scoring, .sigmoid)
        XCTAssertEqual(c.vision!.pooling, .attentionProbe)
        XCTAssertFalse(c.vision!.classToken)
        XCTAssertFalse(c.text!.causal)
        XCTAssertEqual(c.text!.pooling, .last)
        XCTAssertEqual(c.text!.padTokenID, 1)
        XCTAssertEqual(m.metadata.tokenizer.kind, TokenizerSpec.sentencePieceKind)
        XCTAssertEqual(m.metadata.preprocessing.resize, .square)
        XCTAssertEqual(m.metadata.preprocessing.mean, [0.5, 0.5, 0.5])
    }

    func testEmbeddingsAndLogitsMatchTransformers() throws {
        let m = try model(), g = try golden()
        try assertMatchesGolden(m, golden: dir + "/golden.npz", minCosine: 0.99999)
        let img = try m.encodeImages(pixels: try XCTUnwrap(g["pixel_values"]).floats(), count: 2)
        let txt = try m.encodeTexts(tokens: rows(try XCTUnwrap(g["input_ids"])))
        let logits = m.logits(imageEmbeddings: img, textEmbeddings: txt), want = try XCTUnwrap(g["logits_per_image"]).floats()
        let worst = zip(logits, want).map { abs($0 - $1) }.max() ?? 1
        print("SigLIP logits max abs diff \(worst) (values \(want))")
        XCTAssertLessThan(worst, 1e-3)
        // Sigmoid scoring: each pair on its own, not a distribution over the texts.
        let scores = m.scores(imageEmbeddings: img, textEmbeddings: txt)
        for (s, l) in zip(scores, logits) { XCTAssertEqual(s, 1 / (1 + exp(-l)), accuracy: 1e-6) }
    }

    func testEveryBlockMatchesTransformers() throws {
        let m = try model(), g = try golden()
        var vision: [Int: [Float]] = [:], text: [Int: [Float]] = [:]
        _ = try m.encodeImages(pixels: try XCTUnwrap(g["pixel_values"]).floats(), count: 2) { vision[$0] = $1 }
        _ = try m.encodeTexts(tokens: rows(try XCTUnwrap(g["input_ids"]))) { text[$0] = $1 }
        for i in 0..<2 {
            for (name, got) in [("vision_hidden_\(i)", vision[i]), ("text_hidden_\(i)", text[i])] {
                let want = try XCTUnwrap(g[name]).floats(), have = try XCTUnwrap(got, name)
                XCTAssertEqual(have.count, want.count, name)
                let worst = zip(have, want).map { abs($0 - $1) }.max() ?? 1
                XCTAssertLessThan(worst, 1e-4, "\(name): max abs diff \(worst)")
            }
        }
    }

    func testTextsAreTokenizedAsTransformersDoes() throws {
        let m = try model(), g = try golden()
        struct Texts: Decodable { let texts: [String] }
        let texts = try JSONDecoder().decode(Texts.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/golden_texts.json"))).texts
        XCTAssertEqual(try m.tokenize(texts), rows(try XCTUnwrap(g["input_ids"])))
        let e = try m.embed(texts: texts, normalize: false)
        for c in rowCosines(e, try XCTUnwrap(g["text_embeds"]).floats(), d: m.embedDim) { XCTAssertGreaterThan(c, 0.99999) }
    }

    func testPhotoPreprocessingMatchesTheProcessor() throws {
        let m = try model(), g = try golden()
        let px = try m.pixels(imagePaths: [dir + "/photo_97x61.png"])
        let pil = try XCTUnwrap(g["photo_pixels_pil"]).floats(), processor = try XCTUnwrap(g["photo_pixels"]).floats()
        let toPIL = zip(px, pil).map { abs($0 - $1) }.max() ?? 1, toDefault = zip(px, processor).map { abs($0 - $1) }.max() ?? 1
        print("SigLIP photo pixels: max diff \(toPIL) to the PIL backend, \(toDefault) to the default backend (normalised units)")
        XCTAssertLessThan(toPIL, 1e-6)
        // 2/255 of the byte range is 4/255 after SigLIP's normalisation (std 0.5).
        XCTAssertLessThanOrEqual(toDefault, 4 / 255 + 1e-6)
        let e = try m.embed(imagePaths: [dir + "/photo_97x61.png"], normalize: false)
        XCTAssertGreaterThan(rowCosines(e, try XCTUnwrap(g["photo_image_embeds"]).floats(), d: m.embedDim)[0], 0.9999)
    }

    func testClipzFileAndQuantizedModels() throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("siglip-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let (source, _) = try SourceImporter.load(paths: [dir])
        try ClipzWriter.write(source, to: tmp + "/fp32.clipz")
        let g = try golden()
        let pixels = try XCTUnwrap(g["pixel_values"]).floats(), tokens = rows(try XCTUnwrap(g["input_ids"]))
        let ref = try CLIPModel(source: source)
        let refImg = try ref.encodeImages(pixels: pixels, count: 2), refTxt = try ref.encodeTexts(tokens: tokens)
        let file = try CLIPModel(path: tmp + "/fp32.clipz")
        XCTAssertEqual(try file.encodeImages(pixels: pixels, count: 2), refImg)
        XCTAssertEqual(try file.encodeTexts(tokens: tokens), refTxt)
        XCTAssertEqual(try file.tokenize(["a photo of a cat"]), try ref.tokenize(["a photo of a cat"]))
        for (target, floor) in [(Quantizer.Target.fp16, 0.99999), (.int8, 0.999)] {
            let (src, quant, _) = try Quantizer.quantize(try ClipzFile(path: tmp + "/fp32.clipz"), options: .init(target: target))
            let out = tmp + "/\(target).clipz"
            try ClipzWriter.write(src, to: out, quant: quant)
            let q = try CLIPModel(path: out)
            let c = rowCosines(try q.encodeImages(pixels: pixels, count: 2), refImg, d: 32) + rowCosines(try q.encodeTexts(tokens: tokens), refTxt, d: 32)
            print("SigLIP \(target): min cosine \(c.min()!)")
            XCTAssertGreaterThanOrEqual(c.min()!, floor, "\(target)")
            if target == .int8 { XCTAssertTrue(q.isInt8("vision.head.attn.k.weight")) }
        }
    }

    /// open_clip's SigLIP layout: timm trunk names, open_clip's text tower, `open_clip_config.json` with
    /// `preprocess_cfg`, the HF tokenizer files beside it; against open_clip's own outputs.
    func testOpenCLIPFolderMatchesOpenCLIP() throws {
        let oc = fixtures + "/siglip_openclip"
        let (source, _) = try SourceImporter.load(paths: [oc])
        let m = try CLIPModel(source: source)
        XCTAssertEqual(source.metadata.provenance.importer, "safetensors-open_clip")
        XCTAssertEqual(m.config.vision!.activation, .gelu)
        XCTAssertEqual(m.config.vision!.heads, 4)
        XCTAssertEqual(m.metadata.tokenizer.clean, "siglip_open_clip")
        XCTAssertEqual(m.metadata.preprocessing.resize, .square)
        try assertMatchesGolden(m, golden: oc + "/golden.npz", minCosine: 0.99999)
        let g = try NumpyFiles.readNPZ(oc + "/golden.npz")
        struct Texts: Decodable { let texts: [String] }
        let texts = try JSONDecoder().decode(Texts.self, from: Data(contentsOf: URL(fileURLWithPath: oc + "/golden_texts.json"))).texts
        XCTAssertEqual(try m.tokenize(texts), rows(try XCTUnwrap(g["input_ids"])))
        let img = try m.encodeImages(pixels: try XCTUnwrap(g["pixel_values"]).floats(), count: 2)
        let logits = m.logits(imageEmbeddings: img, textEmbeddings: try m.embed(texts: texts, normalize: false))
        let worst = zip(logits, try XCTUnwrap(g["logits"]).floats()).map { abs($0 - $1) }.max() ?? 1
        XCTAssertLessThan(worst, 1e-3, "open_clip SigLIP logits max abs diff \(worst)")
    }
}
