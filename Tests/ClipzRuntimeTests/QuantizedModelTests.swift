import ClipzCore
import ClipzFormat
import ClipzImport
import ClipzQuant
@testable import ClipzRuntime
import XCTest

/// fp16 / int8 models against the fp32 model on the hf_tiny golden inputs.
final class QuantizedModelTests: XCTestCase {
    var dir = ""
    var fp32 = ""
    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("q-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        fp32 = dir + "/fp32.clipz"
        let (src, _) = try SourceImporter.load(paths: [fixtures + "/hf_tiny/combined_op17.onnx"])
        try ClipzWriter.write(src, to: fp32)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    func embeddings(_ path: String) throws -> (img: [Float], txt: [Float], d: Int) {
        let g = try NumpyFiles.readNPZ(fixtures + "/hf_tiny/golden.npz")
        let m = try CLIPModel(path: path)
        let ids = g["input_ids"]!, flat = ids.ints(), L = ids.shape[1]
        return (try m.encodeImages(pixels: g["pixel_values"]!.floats(), count: 2),
                try m.encodeTexts(tokens: (0..<2).map { Array(flat[($0 * L)..<(($0 + 1) * L)]) }), m.embedDim)
    }

    func quantized(_ opts: Quantizer.Options, name: String) throws -> String {
        let (src, quant, _) = try Quantizer.quantize(try ClipzFile(path: fp32), options: opts)
        let out = dir + "/\(name).clipz"
        try ClipzWriter.write(src, to: out, quant: quant)
        return out
    }

    func minCos(_ a: (img: [Float], txt: [Float], d: Int), _ b: (img: [Float], txt: [Float], d: Int)) -> Double {
        (rowCosines(a.img, b.img, d: a.d) + rowCosines(a.txt, b.txt, d: a.d)).min()!
    }

    func testFP16AndBF16() throws {
        let ref = try embeddings(fp32)
        let c16 = minCos(ref, try embeddings(try quantized(.init(target: .fp16), name: "f16")))
        let cb16 = minCos(ref, try embeddings(try quantized(.init(target: .bf16), name: "bf16")))
        print("fp16 min cosine \(c16), bf16 min cosine \(cb16)")
        XCTAssertGreaterThanOrEqual(c16, 0.99999)
        XCTAssertGreaterThanOrEqual(cb16, 0.999)
        XCTAssertEqual(try ClipzFile(path: dir + "/f16.clipz").entry(named: "vision.layers.0.attn.q.weight")?.dtype, "f16")
    }

    func testInt8WeightOnly() throws {
        let path = try quantized(.init(target: .int8), name: "i8")
        let f = try ClipzFile(path: path)
        XCTAssertEqual(f.entry(named: "text.layers.0.mlp.fc1.weight")?.dtype, "i8")
        XCTAssertEqual(f.entry(named: "text.layers.0.mlp.fc1.weight")?.quant?.scale, "text.layers.0.mlp.fc1.weight.scale")
        XCTAssertEqual(f.metadata.provenance.quantization?.type, "int8_weight_only")
        let c = minCos(try embeddings(fp32), try embeddings(path))
        print("int8 weight-only min cosine \(c)")
        XCTAssertGreaterThanOrEqual(c, 0.999)
        XCTAssertTrue(try CLIPModel(path: path).isInt8("vision.layers.0.attn.q.weight"))
    }

    /// --weight-bits 7: every linear weight in -63...63 (token embedding stays 8-bit), recorded in the file,
    /// run by AVX2's u8 × s8 kernel where that is the int8 path, and still close to fp32.
    func testInt8SevenBitWeights() throws {
        let path = try quantized(.init(target: .int8, weightBits: 7), name: "i8w7")
        let f = try ClipzFile(path: path)
        XCTAssertEqual(f.metadata.provenance.quantization?.weightBits, 7)
        XCTAssertNil(try ClipzFile(path: try quantized(.init(target: .int8), name: "i8w8")).metadata.provenance.quantization?.weightBits)
        for e in f.entries where e.dtype == "i8" {
            let q = try f.tensor(e.name).bytes.map { Int(Int8(bitPattern: $0)) }
            if CanonicalName.isLinearWeight(e.name) { XCTAssertEqual(q.map(abs).max(), 63, e.name) }
        }
        let m = try CLIPModel(path: path)
        XCTAssertTrue(m.int8WeightsAreNarrow)
        XCTAssertFalse(try CLIPModel(path: dir + "/i8w8.clipz").int8WeightsAreNarrow)
        XCTAssertEqual(m.int8KernelName, CLIPModel.int8KernelName == "avx2" ? "avx2-7bit" : CLIPModel.int8KernelName)
        let c = minCos(try embeddings(fp32), try embeddings(path))
        print("int8 7-bit weights min cosine \(c) (kernel \(m.int8KernelName))")
        XCTAssertGreaterThanOrEqual(c, 0.998)
        XCTAssertThrowsError(try quantized(.init(target: .int8, weightBits: 5), name: "bad")) { XCTAssertEqual($0 as? QuantError, .badWeightBits(5)) }
    }

    func testInt8StaticWithCalibrationAndGuard() throws {
        let model = try CLIPModel(path: fp32)
        var rng = SplitMix64(seed: 5)
        let g = try NumpyFiles.readNPZ(fixtures + "/hf_tiny/golden.npz")
        // Calibration images: the golden pixels plus noisy variants.
        var pixels = g["pixel_values"]!.floats()
        for _ in 0..<6 { pixels += pixels[0..<(3 * 32 * 32)].map { $0 + 0.3 * rng.nextGaussian() } }
        let tokens = [[510, 17, 233, 98, 511], [510, 5, 400, 7, 300, 42, 11, 9, 511], [510, 100, 200, 511]]
        let cal = try Calibrator.run(model: model, pixels: pixels, imageCount: 8, tokens: tokens, options: .init(method: .percentile))
        XCTAssertEqual(cal.layers.count, model.linears.count)
        XCTAssertNotNil(cal.layers["vision.layers.0.attn.q.weight"]?.smooth)
        XCTAssertNil(cal.layers["vision.layers.0.attn.out.weight"]?.smooth)
        let calPath = dir + "/cal.json"
        try cal.encoded().write(to: URL(fileURLWithPath: calPath))
        let back = try CalibrationFile.read(calPath)
        // The guard measures on the float model over the calibration inputs; without a probe static int8 is refused.
        let probe = try ModelActivations(model: model, pixels: pixels, imageCount: 8, tokens: tokens)
        XCTAssertThrowsError(try quantized(.init(target: .int8, calibration: back, calibrationPath: calPath), name: "unguarded")) {
            XCTAssertEqual($0 as? QuantError, .noGuardProbe(file: calPath))
        }
        let path = try quantized(.init(target: .int8, calibration: back, calibrationPath: calPath, probe: probe), name: "static")
        let f = try ClipzFile(path: path)
        XCTAssertEqual(f.metadata.provenance.quantization?.type, "int8_static")
        XCTAssertNotNil(f.entry(named: "vision.layers.0.mlp.fc1.weight.input_scale"))
        let c = minCos(try embeddings(fp32), try embeddings(path))
        print("int8 static min cosine \(c), errors: \(cal.layers.mapValues { $0.relativeError ?? -1 }.values.max() ?? 0)")
        XCTAssertGreaterThanOrEqual(c, 0.995)
        // An impossible guard sends every layer back to dynamic activations, and says so.
        let strict = try quantized(.init(target: .int8, calibration: back, calibrationPath: calPath, guardBound: 0, probe: probe), name: "guarded")
        let sf = try ClipzFile(path: strict)
        XCTAssertEqual(sf.metadata.provenance.quantization?.fallbacks.count, cal.layers.count)
        XCTAssertNil(sf.entry(named: "vision.layers.0.mlp.fc1.weight.input_scale"))
        // Quantizing an int8 file again is refused.
        XCTAssertThrowsError(try Quantizer.quantize(f, options: .init(target: .int8)))
    }
}
