import ClipzCore
import ClipzFormat
import ClipzImport
@testable import ClipzRuntime
import XCTest

/// fp16 files keep their linear weights in fp16 at run time (half the memory) wherever the packed kernels
/// run, and compute exactly what the same weights widened to fp32 compute: the kernel widens each panel
/// before the fp32 tile runs on it.
final class F16ResidentWeightsTests: XCTestCase {
    func testF16LinearsStayF16AndMatchTheirWidenedTwinBitForBit() throws {
        let (half, _) = try SourceImporter.load(paths: [fixtures + "/hf_tiny/combined_op17_fp16.onnx"])
        var wide = half
        wide.tensors = try half.tensors.map { s in
            let t = try s.load()
            return t.dtype == .f16 ? .init(try Tensor(name: t.name, shape: t.shape, floats: t.floats())) : s
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("f16-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ClipzWriter.write(half, to: dir + "/half.clipz")
        try ClipzWriter.write(wide, to: dir + "/wide.clipz")
        let m16 = try CLIPModel(path: dir + "/half.clipz"), m32 = try CLIPModel(path: dir + "/wide.clipz")

        // Every float linear layer of the fp16 file holds fp16 panels (fp32 ones on CPUs without packed kernels).
        var f16Layers = 0
        for (name, layer) in m16.linears {
            var weights = layer.weights
            if case let .inFused(parent, _) = weights { weights = parent.weights }
            switch weights {
            case let .packed(p):
                XCTAssertEqual(p.element, .f16, name)
                f16Layers += 1
            case .f32: XCTAssertFalse(Kernels.f32PackedAvailable, "\(name) widened although packed kernels run here")
            default: XCTFail("\(name): unexpected weights")
            }
        }
        XCTAssertEqual(f16Layers, Kernels.f32PackedAvailable ? m16.linears.count : 0)

        let size = try XCTUnwrap(m16.config.vision).imageSize, vocab = try XCTUnwrap(m16.config.text).vocabSize, n = 3
        var state: UInt64 = 5
        let pixels = (0..<(n * 3 * size * size)).map { _ -> Float in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(state >> 40) - (1 << 23)) / Float(1 << 23)
        }
        let tokens = [[49406, 320, 1125, 539, 320, 2368, 49407], [49406, 1929, 49407]].map { $0.map { $0 % vocab } }
        for threads in [1, 2] {
            let i16 = try m16.encodeImages(pixels: pixels, count: n, threads: threads)
            let i32 = try m32.encodeImages(pixels: pixels, count: n, threads: threads)
            XCTAssertEqual(i16.map(\.bitPattern), i32.map(\.bitPattern), "image embeddings, \(threads) threads")
            let t16 = try m16.encodeTexts(tokens: tokens, threads: threads), t32 = try m32.encodeTexts(tokens: tokens, threads: threads)
            XCTAssertEqual(t16.map(\.bitPattern), t32.map(\.bitPattern), "text embeddings, \(threads) threads")
        }
    }
}
