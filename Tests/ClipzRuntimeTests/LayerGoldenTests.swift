import ClipzCore
import ClipzFormat
import ClipzImport
import ClipzQuant
@testable import ClipzRuntime
import XCTest

/// Layer by layer against PyTorch (float64 run of the hf_tiny fixture, Tools/make_fixtures.py: the
/// `vision_hidden_<i>` arrays of golden.npz are the outputs of vision block i before post_layernorm),
/// in the manner of llm.c's check_tensor: every layer's worst difference is printed, each precision has
/// a named limit, and a failure names the worst layer.
final class LayerGoldenTests: XCTestCase {
    /// Largest |clipz − torch| over a layer, relative to the layer's largest |torch| value.
    enum Limit {
        static let fp32 = 1e-5
        static let fp16 = 1e-3
        static let int8WeightOnly = 3e-2
    }

    private struct LayerDiff { let name: String; let worst: Double }

    private func layerDiffs(_ model: CLIPModel, _ golden: [String: Tensor]) throws -> [LayerDiff] {
        let pixels = try XCTUnwrap(golden["pixel_values"])
        var states: [Int: [Float]] = [:]
        _ = try model.encodeImages(pixels: pixels.floats(), count: pixels.shape[0], onBlock: { states[$0] = $1 })
        var diffs: [LayerDiff] = []
        for i in 0..<model.config.vision!.layers {
            let ref = try XCTUnwrap(golden["vision_hidden_\(i)"], "golden lacks vision_hidden_\(i)").floats()
            let got = try XCTUnwrap(states[i], "no states reported for block \(i)")
            XCTAssertEqual(got.count, ref.count, "block \(i) state size")
            let scale = Double(ref.map { abs($0) }.max() ?? 1)
            let worst = zip(got, ref).map { Double(abs($0 - $1)) }.max() ?? .infinity
            diffs.append(LayerDiff(name: "vision.layers.\(i)", worst: worst / max(scale, 1e-30)))
        }
        return diffs
    }

    private func check(_ model: CLIPModel, precision: String, limit: Double) throws {
        let golden = try NumpyFiles.readNPZ(fixtures + "/hf_tiny/golden.npz")
        let diffs = try layerDiffs(model, golden)
        XCTAssertEqual(diffs.count, 2, "hf_tiny has two vision blocks")
        for d in diffs { print(String(format: "%@ %@: max relative difference %.3g (limit %.0g)", precision, d.name, d.worst, limit)) }
        let worst = try XCTUnwrap(diffs.max { $0.worst < $1.worst })
        XCTAssertLessThanOrEqual(worst.worst, limit, "\(precision): worst layer \(worst.name) differs by \(worst.worst) (limit \(limit))")
    }

    private func fp32Path(_ dir: String) throws -> String {
        let source = try DumpImporter.load(paths: [fixtures + "/hf_tiny/model.safetensors"], configPath: fixtures + "/hf_tiny/config.json")
        let path = dir + "/fp32.clipz"
        try ClipzWriter.write(source, to: path)
        return path
    }

    private func quantized(_ fp32: String, _ target: Quantizer.Options, to path: String) throws -> CLIPModel {
        let (src, quant, _) = try Quantizer.quantize(try ClipzFile(path: fp32), options: target)
        try ClipzWriter.write(src, to: path, quant: quant)
        return try CLIPModel(path: path)
    }

    func testEveryVisionBlockMatchesTorchPerPrecision() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("layers-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fp32 = try fp32Path(dir)
        try check(try CLIPModel(path: fp32), precision: "fp32", limit: Limit.fp32)
        try check(try quantized(fp32, .init(target: .fp16), to: dir + "/f16.clipz"), precision: "fp16", limit: Limit.fp16)
        try check(try quantized(fp32, .init(target: .int8), to: dir + "/i8.clipz"), precision: "int8 weight-only", limit: Limit.int8WeightOnly)
    }

    /// The comparison can fail: a model whose second block's MLP output weights are perturbed is caught,
    /// and the report names that block, not the first.
    func testAPerturbedBlockIsNamed() throws {
        var source = try DumpImporter.load(paths: [fixtures + "/hf_tiny/model.safetensors"], configPath: fixtures + "/hf_tiny/config.json")
        let name = "vision.layers.1.mlp.fc2.weight"
        let index = try XCTUnwrap(source.tensors.firstIndex { $0.name == name })
        let t = try source.tensors[index].load()
        source.tensors[index] = .init(try Tensor(name: name, shape: t.shape, floats: t.floats().map { $0 * 1.01 }))
        let diffs = try layerDiffs(try CLIPModel(source: source), try NumpyFiles.readNPZ(fixtures + "/hf_tiny/golden.npz"))
        XCTAssertLessThanOrEqual(diffs[0].worst, Limit.fp32)
        XCTAssertGreaterThan(diffs[1].worst, 10 * Limit.fp32)
    }
}
