import ClipzCore
import ClipzFormat
import ClipzImport
@testable import ClipzRuntime
import XCTest

/// The tokenizer is built once per model, `CLIPInputs(path:)` needs only the header and the BPE
/// merges (not the weights), and the thread count is the model's or the call's.
final class CLIPInputsTests: XCTestCase {
    /// The digits fixture carries its own BPE merges (tokenizer.bpe_merges).
    let digits = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/digits/model.safetensors").path

    private func digitsFile() throws -> String {
        let (source, _) = try SourceImporter.load(paths: [digits])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("inputs-\(UUID().uuidString).clipz").path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        try ClipzWriter.write(source, to: path)
        return path
    }

    func testTokenizerIsBuiltOncePerModel() throws {
        let model = try CLIPModel(path: try digitsFile())
        let first = try model.tokenizer(), second = try model.tokenizer()
        XCTAssertTrue(first === second, "the tokenizer was rebuilt for the second call")
        XCTAssertEqual(try model.tokenize(["a photo of the number 3."]), try model.tokenize(["a photo of the number 3."]))
    }

    func testInputsReadTheHeaderNotTheWeights() throws {
        let path = try digitsFile()
        let texts = ["a photo of the number three.", "8"]
        let expected = try CLIPModel(path: path).tokenize(texts)
        XCTAssertEqual(expected[0].prefix(2), [49406, 320])
        // Damage one weight's payload: the model no longer loads, the inputs still do.
        let entry = try XCTUnwrap(try ClipzFile(path: path).entries.first { $0.name == "vision.layers.0.mlp.fc1.weight" })
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: path))
        let at = UInt64(entry.offset + entry.storedBytes / 2)
        try handle.seek(toOffset: at)
        let byte = try XCTUnwrap(try handle.read(upToCount: 1)?.first)
        try handle.seek(toOffset: at)
        try handle.write(contentsOf: Data([byte ^ 0xFF]))
        try handle.close()
        XCTAssertThrowsError(try CLIPModel(path: path))
        let inputs = try CLIPInputs(path: path)
        XCTAssertEqual(try inputs.tokenize(texts), expected)
        XCTAssertEqual(inputs.metadata.config.text!.contextLength, expected[0].count)
    }

    func testThreadCountIsPerModelAndPerCall() throws {
        let source = SyntheticModel.make(config: SyntheticModel.tinyConfig())
        let one = try CLIPModel(source: source, threads: 1), four = try CLIPModel(source: source, threads: 4)
        XCTAssertEqual(one.threads, 1)
        XCTAssertEqual(four.threads, 4)
        // A batch large enough that the GEMMs split over threads. Clipz's kernels split by output
        // column and give the same bits; OpenBLAS (CPUs without AVX-512) blocks a column slice
        // differently from the whole, hence the tolerance.
        let s = source.metadata.config.vision!.imageSize, n = 64
        var rng = SplitMix64(seed: 9)
        let pixels = (0..<(n * 3 * s * s)).map { _ in rng.nextGaussian() }
        let serial = try one.encodeImages(pixels: pixels, count: n)
        for other in [try four.encodeImages(pixels: pixels, count: n), try four.encodeImages(pixels: pixels, count: n, threads: 1),
                      try one.encodeImages(pixels: pixels, count: n, threads: 3)] {
            XCTAssertEqual(other.count, serial.count)
            XCTAssertLessThan(zip(other, serial).map { abs($0 - $1) }.max() ?? .infinity, 1e-5)
        }
    }
}
