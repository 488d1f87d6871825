import CClipzKernels
import ClipzCore
import ClipzFormat
import ClipzImport
@testable import ClipzRuntime
import XCTest

/// fp16 and bf16 files keep their linear weights in 16 bits at run time (half the memory) wherever the packed
/// kernels run, and compute exactly what the same weights widened to fp32 compute: the kernel widens each
/// panel before the fp32 tile runs on it.
final class HalfResidentWeightsTests: XCTestCase {
    /// The source with every float tensor widened to fp32 exactly (`bf16: false`) or rounded to bf16.
    private func retyped(_ source: ModelSource, bf16: Bool) throws -> ModelSource {
        var out = source
        out.tensors = try source.tensors.map { s in
            let t = try s.load()
            guard t.dtype.isFloat else { return s }
            let values = t.floats()
            guard bf16 else { return .init(try Tensor(name: t.name, shape: t.shape, floats: values)) }
            var bits = [UInt16](repeating: 0, count: values.count)
            clipz_f32_to_bf16(values, &bits, values.count)
            return .init(try Tensor(name: t.name, dtype: .bf16, shape: t.shape, bytes: bits.withUnsafeBytes { Array($0) }))
        }
        return out
    }

    private func check(_ half: ModelSource, element: PackedWeights.Element, twin wide: ModelSource) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("half-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ClipzWriter.write(half, to: dir + "/half.clipz")
        try ClipzWriter.write(wide, to: dir + "/wide.clipz")
        let m16 = try CLIPModel(path: dir + "/half.clipz"), m32 = try CLIPModel(path: dir + "/wide.clipz")

        // Every float linear layer holds 16-bit panels (fp32 ones on CPUs without packed kernels).
        var halfLayers = 0
        for (name, layer) in m16.linears {
            var weights = layer.weights
            if case let .inFused(parent, _) = weights { weights = parent.weights }
            switch weights {
            case let .packed(p):
                XCTAssertEqual(p.element, element, name)
                halfLayers += 1
            case .f32: XCTAssertFalse(Kernels.f32PackedAvailable, "\(name) widened although packed kernels run here")
            default: XCTFail("\(name): unexpected weights")
            }
        }
        XCTAssertEqual(halfLayers, Kernels.f32PackedAvailable ? m16.linears.count : 0)

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
            XCTAssertEqual(i16.map(\.bitPattern), i32.map(\.bitPattern), "\(element) image embeddings, \(threads) threads")
            let t16 = try m16.encodeTexts(tokens: tokens, threads: threads), t32 = try m32.encodeTexts(tokens: tokens, threads: threads)
            XCTAssertEqual(t16.map(\.bitPattern), t32.map(\.bitPattern), "\(element) text embeddings, \(threads) threads")
        }
    }

    /// An fp16 ONNX export (hf_tiny) against its weights widened to fp32.
    func testF16LinearsStayF16AndMatchTheirWidenedTwinBitForBit() throws {
        let (half, _) = try SourceImporter.load(paths: [fixtures + "/hf_tiny/combined_op17_fp16.onnx"])
        try check(half, element: .f16, twin: try retyped(half, bf16: false))
    }

    /// The same model rounded to bf16 against its bf16 values widened to fp32.
    func testBF16LinearsStayBF16AndMatchTheirWidenedTwinBitForBit() throws {
        let (half, _) = try SourceImporter.load(paths: [fixtures + "/hf_tiny/combined_op17_fp16.onnx"])
        let bf16 = try retyped(half, bf16: true)
        try check(bf16, element: .bf16, twin: try retyped(bf16, bf16: false))
    }
}
