import CClipzKernels
import ClipzCore
import ClipzFormat
import ClipzImport
@testable import ClipzRuntime
import XCTest

/// Fixtures produced by Tools/make_fixtures.py (see Tests/ClipzImportTests/Fixtures/README.md).
let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("ClipzImportTests/Fixtures").path

func cosine(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Double {
    var dot = 0.0, na = 0.0, nb = 0.0
    for (x, y) in zip(a, b) { dot += Double(x) * Double(y); na += Double(x) * Double(x); nb += Double(y) * Double(y) }
    return dot / max((na * nb).squareRoot(), 1e-30)
}

/// Per-row cosines of two [rows × d] matrices.
func rowCosines(_ a: [Float], _ b: [Float], d: Int) -> [Double] {
    (0..<(a.count / d)).map { cosine(a[($0 * d)..<(($0 + 1) * d)], b[($0 * d)..<(($0 + 1) * d)]) }
}

/// Checks a model against a fixture's golden.npz (torch outputs for fixed pixels and ids).
func assertMatchesGolden(_ model: CLIPModel, golden: String, minCosine: Double = 0.99999, file: StaticString = #filePath, line: UInt = #line) throws {
    let g = try NumpyFiles.readNPZ(golden)
    let pixels = try XCTUnwrap(g["pixel_values"]), ids = try XCTUnwrap(g["input_ids"])
    let n = pixels.shape[0], L = ids.shape[1]
    let img = try model.encodeImages(pixels: pixels.floats(), count: n)
    let flat = ids.ints()
    let tokens = (0..<ids.shape[0]).map { Array(flat[($0 * L)..<(($0 + 1) * L)]) }
    let txt = try model.encodeTexts(tokens: tokens)
    let d = model.embedDim
    let ci = rowCosines(img, try XCTUnwrap(g["image_embeds"]).floats(), d: d)
    let ct = rowCosines(txt, try XCTUnwrap(g["text_embeds"]).floats(), d: d)
    let maxAbs = zip(img, try XCTUnwrap(g["image_embeds"]).floats()).map { abs($0 - $1) }.max() ?? 0
    print("\(golden): image cosines \(ci), text cosines \(ct), image max abs diff \(maxAbs)")
    for c in ci + ct { XCTAssertGreaterThanOrEqual(c, minCosine, file: file, line: line) }
}

final class GoldenEmbeddingTests: XCTestCase {
    func testHFSafetensorsMatchesTorch() throws {
        let dir = fixtures + "/hf_tiny"
        let source = try DumpImporter.load(paths: [dir + "/model.safetensors"], configPath: dir + "/config.json")
        try assertMatchesGolden(try CLIPModel(source: source), golden: dir + "/golden.npz")
    }

    func testOpenCLIPSafetensorsMatchesTorch() throws {
        let dir = fixtures + "/openclip_tiny"
        let source = try DumpImporter.load(paths: [dir + "/open_clip_model.safetensors"], configPath: dir + "/open_clip_config.json")
        try assertMatchesGolden(try CLIPModel(source: source), golden: dir + "/golden.npz")
    }

    func testClipzRoundTripGivesIdenticalEmbeddings() throws {
        let dir = fixtures + "/hf_tiny"
        let source = try DumpImporter.load(paths: [dir + "/model.safetensors"], configPath: dir + "/config.json")
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("rt-\(UUID().uuidString).clipz").path
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        try ClipzWriter.write(source, to: tmp)
        let a = try CLIPModel(source: source), b = try CLIPModel(path: tmp)
        let tokens = [[510, 17, 233, 98, 511]]
        XCTAssertEqual(try a.encodeTexts(tokens: tokens), try b.encodeTexts(tokens: tokens))
    }

    func testTextPaddingAndTruncationDoNotChangeThePooledOutput() throws {
        let m = try CLIPModel(source: SyntheticModel.make(config: SyntheticModel.tinyConfig()))
        let short = [[300, 5, 7, 511]]
        let padded = [[300, 5, 7, 511] + [Int](repeating: 0, count: 12)]
        let a = try m.encodeTexts(tokens: short), b = try m.encodeTexts(tokens: padded)
        for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-5) }
        // A batch mixing lengths gives each row what it gets alone.
        let both = try m.encodeTexts(tokens: [[300, 5, 7, 511], [300, 9, 9, 9, 9, 9, 9, 511]])
        for i in 0..<16 { XCTAssertEqual(both[i], a[i], accuracy: 1e-5) }
        XCTAssertThrowsError(try m.encodeTexts(tokens: [[1, 512]]))
    }

    func testLastBlockPruningGivesTheSameEmbeddingsAsTheFullPass() throws {
        // Without onBlock the last block runs out-proj and MLP on the pooled rows only; with it, on
        // every row. The packed GEMMs (AVX-512, AVX2) compute each row with the same arithmetic whatever
        // the row count, so there the embeddings are equal bit for bit. OpenBLAS (CPUs without AVX2)
        // blocks differently for 1 and for 50 rows, so there the sums round differently: a stated
        // tolerance of 1e-5 relative instead.
        let m = try CLIPModel(source: SyntheticModel.make(config: SyntheticModel.tinyConfig()))
        var rng = SplitMix64(seed: 5)
        let pixels = (0..<(3 * 3 * 32 * 32)).map { _ in rng.nextGaussian() }
        var blocks = 0
        let pruned = try m.encodeImages(pixels: pixels, count: 3)
        let full = try m.encodeImages(pixels: pixels, count: 3, onBlock: { _, _ in blocks += 1 })
        XCTAssertEqual(blocks, 2)
        let tokens = [[300, 5, 7, 511], [300, 9, 9, 9, 9, 9, 9, 511], [12, 511]]
        let prunedText = try m.encodeTexts(tokens: tokens), fullText = try m.encodeTexts(tokens: tokens, onBlock: { _, _ in })
        let exact = clipz_f32_packed_available() != 0
        print("last-block pruning on \(KernelPaths.fp32GEMM): expecting \(exact ? "bit-identical" : "within 1e-5") embeddings")
        for (a, b) in [(pruned, full), (prunedText, fullText)] {
            XCTAssertEqual(a.count, b.count)
            if exact { XCTAssertEqual(a, b) }
            let worst = zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? .infinity
            XCTAssertLessThanOrEqual(worst, 1e-5)
        }
        XCTAssertFalse(pruned.contains { !$0.isFinite })
    }
}
