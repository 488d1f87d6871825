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

    /// So400m/14-384's awkward shapes at toy size (siglip_hf_odd, `Tools/make_siglip_fixtures.py odd`): width 48 and
    /// head dim 24 (not multiples of 32 and 16: attention takes the AVX2 tiles and a plain-C tail even on AVX-512),
    /// MLP 88, and 30 px images at patch 8, whose last 6 pixel rows and columns the patch convolution never reads
    /// (as 384 px at patch 14 leaves 6). Against transformers, and with NaN in those pixels.
    func testOddShapesMatchTransformers() throws {
        let odd = fixtures + "/siglip_hf_odd"
        let source = try DumpImporter.load(paths: [odd + "/model.safetensors"], configPath: odd + "/config.json")
        let m = try CLIPModel(source: source)
        let v = try XCTUnwrap(m.config.vision)
        XCTAssertEqual([v.imageSize, v.patchSize, v.grid, v.width / v.heads, v.mlpDim], [30, 8, 3, 24, 88])
        try assertMatchesGolden(m, golden: odd + "/golden.npz", minCosine: 0.99999)
        var pixels = try XCTUnwrap(try NumpyFiles.readNPZ(odd + "/golden.npz")["pixel_values"]).floats()
        let want = try m.encodeImages(pixels: pixels, count: 2)
        for plane in 0..<6 {
            for y in 0..<30 { for x in 0..<30 where y >= 24 || x >= 24 { pixels[(plane * 30 + y) * 30 + x] = .nan } }
        }
        XCTAssertEqual(try m.encodeImages(pixels: pixels, count: 2), want, "pixels past the 3 × 3 patch grid were read")
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

    /// SigLIP 2 (fixed resolution): the SigLIP folders with the Gemma tokenizer files of
    /// Tests/ClipzTextTests/Fixtures/siglip2 instead of their own; the spec comes from tokenizer_config.json and
    /// the tokens of the imported (and written) model match transformers' GemmaTokenizer / open_clip.
    func testGemmaTokenizerFilesSelectSigLIP2Tokenizer() throws {
        let gemma = fixtures.replacingOccurrences(of: "ClipzImportTests", with: "ClipzTextTests") + "/siglip2"
        struct Case: Decodable { let text: String; let hf: [Int]; let open_clip: [Int] }
        struct File: Decodable { let cases: [Case] }
        let cases = try JSONDecoder().decode(File.self, from: Data(contentsOf: URL(fileURLWithPath: gemma + "/ids.json"))).cases
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("siglip2-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let fm = FileManager.default
        /// A copy of `from` without its SentencePiece files, with Gemma's and `config` as tokenizer_config.json.
        func folder(_ from: String, _ name: String, config: (inout [String: Any]) -> Void = { _ in }) throws -> String {
            let dst = tmp + "/" + name
            try fm.createDirectory(atPath: dst, withIntermediateDirectories: true)
            for f in try fm.contentsOfDirectory(atPath: from) where !f.hasSuffix(".model") && f != "tokenizer_config.json" && !f.hasSuffix(".onnx") {
                try fm.copyItem(atPath: from + "/" + f, toPath: dst + "/" + f)
            }
            try fm.copyItem(atPath: gemma + "/tokenizer.model", toPath: dst + "/tokenizer.model")
            var j = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: gemma + "/tokenizer_config.json"))) as? [String: Any])
            config(&j)
            try JSONSerialization.data(withJSONObject: j).write(to: URL(fileURLWithPath: dst + "/tokenizer_config.json"))
            return dst
        }
        for (from, clean, pick) in [(dir, "gemma_hf", \Case.hf), (fixtures + "/siglip_openclip", "gemma_open_clip", \Case.open_clip)] {
            let (source, _) = try SourceImporter.load(paths: [try folder(from, clean)])
            let spec = source.metadata.tokenizer
            XCTAssertEqual(spec.clean, clean)
            XCTAssertEqual([spec.bosTokenID, spec.eosTokenID, spec.padTokenID], [-1, 1, 0])
            XCTAssertFalse(spec.lowercase)
            XCTAssertEqual(spec.source, "tokenizer.model")
            XCTAssertEqual(source.metadata.config.text!.padTokenID, 0)
            try ClipzWriter.write(source, to: tmp + "/\(clean).clipz")
            let m = try CLIPModel(path: tmp + "/\(clean).clipz")
            XCTAssertEqual(m.metadata.tokenizer, spec)
            let got = try m.tokenize(cases.map(\.text))
            XCTAssertEqual(zip(got, cases).filter { $0 != $1[keyPath: pick] }.count, 0, "\(clean): rows that differ from the goldens")
        }
        // Siglip2Tokenizer lower-cases; add_bos_token puts <bos> first; add_eos_token false drops <eos>.
        let (s2, _) = try SourceImporter.load(paths: [try folder(dir, "s2") {
            $0["tokenizer_class"] = "Siglip2Tokenizer"; $0["add_bos_token"] = true; $0["add_eos_token"] = false
        }])
        XCTAssertEqual(s2.metadata.tokenizer.clean, "gemma_hf")
        XCTAssertTrue(s2.metadata.tokenizer.lowercase)
        XCTAssertEqual([s2.metadata.tokenizer.bosTokenID, s2.metadata.tokenizer.eosTokenID], [2, -1])
        XCTAssertEqual(try CLIPModel(source: s2).tokenize(["A Photo"])[0].prefix(4), [2, 628, 276, 0])
        // Left padding (GemmaTokenizer's class default) is refused, naming the file.
        let left = try folder(dir, "left") { $0["padding_side"] = nil }
        XCTAssertThrowsError(try SourceImporter.load(paths: [left])) {
            XCTAssertTrue("\($0)".contains(left + "/tokenizer_config.json") && "\($0)".contains("padding_side left"), "\($0)")
        }
        // A bos_token that is not a piece of the model.
        let bad = try folder(dir, "bad") { $0["add_bos_token"] = true; $0["bos_token"] = "<s>" }
        XCTAssertThrowsError(try SourceImporter.load(paths: [bad])) {
            XCTAssertTrue("\($0)".contains("bos_token '<s>' is not a piece"), "\($0)")
        }
    }
    /// A Gemma tokenizer.model (SigLIP 2) without a tokenizer_config.json naming its class is refused, naming the
    /// file, instead of being read with SigLIP v1's rules (no <bos>, </s> as eos: other ids); SigLIP's own
    /// spiece.model alone still loads.
    func testGemmaTokenizerWithoutItsConfigIsRefused() throws {
        let gemma = fixtures.replacingOccurrences(of: "ClipzImportTests", with: "ClipzTextTests") + "/siglip2/tokenizer.model"
        let fm = FileManager.default
        let tmp = fm.temporaryDirectory.appendingPathComponent("gemma-bare-\(UUID().uuidString)").path
        defer { try? fm.removeItem(atPath: tmp) }
        /// siglip_hf's weights and processor with `model` as its only tokenizer file and `extra` written beside it.
        func folder(_ name: String, model: String, as file: String, extra: [String: String] = [:]) throws -> String {
            let dst = tmp + "/" + name
            try fm.createDirectory(atPath: dst, withIntermediateDirectories: true)
            for f in ["config.json", "model.safetensors", "preprocessor_config.json"] {
                try fm.copyItem(atPath: dir + "/" + f, toPath: dst + "/" + f)
            }
            try fm.copyItem(atPath: model, toPath: dst + "/" + file)
            for (f, text) in extra { try text.write(toFile: dst + "/" + f, atomically: true, encoding: .utf8) }
            return dst
        }
        let bare = try folder("bare", model: gemma, as: "tokenizer.model")
        XCTAssertThrowsError(try SourceImporter.load(paths: [bare])) {
            let m = "\($0)"
            XCTAssertTrue(m.contains(bare + "/tokenizer.model") && m.contains("<eos> and <bos> at Gemma's ids 1 and 2")
                          && m.contains("no tokenizer_config.json is beside it") && m.contains("tokenizer_class GemmaTokenizer"), m)
        }
        // A tokenizer_config.json of SigLIP's class does not say how to run Gemma's model either.
        let v1Config = try String(contentsOfFile: dir + "/tokenizer_config.json", encoding: .utf8)
        let wrong = try folder("wrong", model: gemma, as: "tokenizer.model", extra: ["tokenizer_config.json": v1Config])
        XCTAssertThrowsError(try SourceImporter.load(paths: [wrong])) {
            XCTAssertTrue("\($0)".contains(wrong + "/tokenizer_config.json does not name GemmaTokenizer or Siglip2Tokenizer"), "\($0)")
        }
        // A --tokenizer folder whose config.json says siglip2 marks even a model without Gemma's pieces.
        let v1 = try folder("v1", model: dir + "/spiece.model", as: "spiece.model")
        let tokDir = tmp + "/tok"
        try fm.createDirectory(atPath: tokDir, withIntermediateDirectories: true)
        try fm.copyItem(atPath: dir + "/spiece.model", toPath: tokDir + "/spiece.model")
        try #"{"model_type": "siglip2"}"#.write(toFile: tokDir + "/config.json", atomically: true, encoding: .utf8)
        var options = SourceImporter.Options()
        options.tokenizerPath = tokDir
        XCTAssertThrowsError(try SourceImporter.load(paths: [v1], options: options)) {
            XCTAssertTrue("\($0)".contains(tokDir + "/config.json says model_type siglip2"), "\($0)")
        }
        // SigLIP's own model alone: v1 rules, the config's ids (</s> = 1 for eos and pad).
        let spec = try SourceImporter.load(paths: [v1]).0.metadata.tokenizer
        XCTAssertEqual([spec.bosTokenID, spec.eosTokenID, spec.padTokenID], [-1, 1, 1])
        XCTAssertEqual(spec.source, "spiece.model")
    }
}
