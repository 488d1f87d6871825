import ClipzCore
@testable import ClipzFormat
import XCTest

/// Temp folder per test, removed afterwards.
func makeTempDir() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("clipz-test-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

func tinyMetadata() -> ModelMetadata { SyntheticModel.make(config: SyntheticModel.tinyConfig()).metadata }

final class RoundTripTests: XCTestCase {
    var dir = ""
    override func setUpWithError() throws { dir = try makeTempDir() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    /// Random dtypes and shapes, including rank 0 and empty dimensions: every tensor reads back
    /// byte-identical with its dtype and shape (policy: rank 0 = one element; a zero dimension = no payload).
    func testRandomTensorsRoundTrip() throws {
        var rng = SplitMix64(seed: 42)
        for round in 0..<8 {
            var tensors: [Tensor] = []
            for i in 0..<12 {
                let dtype = DType.allCases[Int(rng.next() % UInt64(DType.allCases.count))]
                let rank = Int(rng.next() % 4)
                var shape = (0..<rank).map { _ in Int(rng.next() % 9) }
                if i == 0 { shape = [] }
                if i == 1 { shape = [3, 0, 2] }
                let n = Checked.elementCount(shape)!
                var bytes = (0..<(n * dtype.size)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                if i == 2 { bytes = [UInt8](repeating: 0, count: bytes.count) }
                tensors.append(try Tensor(name: "t\(round).\(i)", dtype: dtype, shape: shape, bytes: bytes))
            }
            let path = dir + "/r\(round).clipz"
            try ClipzWriter.write(ModelSource(metadata: tinyMetadata(), tensors: tensors.map(TensorSource.init)), to: path)
            let f = try ClipzFile(path: path, checksConfig: false)
            XCTAssertEqual(f.entries.count, tensors.count)
            for t in tensors {
                let back = try f.tensor(t.name)
                XCTAssertEqual(back, t, "\(t.name) \(t.dtype) \(t.shape)")
                XCTAssertEqual(f.entry(named: t.name)!.offset % 64, 0)
            }
            XCTAssertEqual(f.metadata, tinyMetadata())
        }
    }

    func testCompressionPaysOnSmoothWeightsAndBytePlanesAreUsed() throws {
        // Values of a trained-looking distribution: small magnitudes share exponent bytes.
        var rng = SplitMix64(seed: 9)
        let values = (0..<65536).map { _ in rng.nextGaussian() * 0.02 }
        let t32 = try Tensor(name: "w32", shape: [256, 256], floats: values)
        let t16 = try t32.converted(to: .f16).renamed("w16")
        let path = dir + "/c.clipz"
        let written = try ClipzWriter.write(ModelSource(metadata: tinyMetadata(), tensors: [.init(t32), .init(t16)]), to: path)
        for e in written.entries {
            XCTAssertEqual(e.encoding, "zstd_byteplanes")
            XCTAssertLessThan(Double(e.storedBytes) / Double(e.rawBytes), 0.95, e.name)
        }
        let f = try ClipzFile(path: path, checksConfig: false)
        XCTAssertEqual(try f.tensor("w16"), t16)
    }

    func testWriterRefusesExistingOutputAndInputs() throws {
        let path = dir + "/m.clipz"
        let model = ModelSource(metadata: tinyMetadata(), tensors: [], inputPaths: [dir + "/src.onnx"])
        try ClipzWriter.write(model, to: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try ClipzWriter.write(model, to: path)) { XCTAssertEqual($0 as? FormatError, .outputExists(path: path)) }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)
        XCTAssertNoThrow(try ClipzWriter.write(model, to: path, force: true))
        var asInput = model; asInput.inputPaths = [path]
        XCTAssertThrowsError(try ClipzWriter.write(asInput, to: dir + "/./m.clipz", force: true)) { XCTAssertEqual($0 as? FormatError, .outputIsInput(path: self.dir + "/./m.clipz")) }
        // A failing tensor loader leaves neither output nor temp file behind.
        let failing = ModelSource(metadata: tinyMetadata(), tensors: [TensorSource(name: "x", dtype: .f32, shape: [1]) { throw CoreError.missingTensor("x") }])
        XCTAssertThrowsError(try ClipzWriter.write(failing, to: dir + "/fail.clipz"))
        let left = try FileManager.default.contentsOfDirectory(atPath: dir)
        XCTAssertEqual(left.sorted(), ["m.clipz"])
    }

    func testUnknownDTypeOpensButFailsOnLoad() throws {
        let path = dir + "/u.clipz"
        let t = try Tensor(name: "a", shape: [2], floats: [1, 2])
        try ClipzWriter.write(ModelSource(metadata: tinyMetadata(), tensors: [.init(t), .init(try t.renamed("b"))]), to: path)
        try HostileFile.rewriteHeader(path) { $0.replacingOccurrences(of: "\"dtype\":\"f32\",\"encoding\":\"raw\",\"name\":\"b\"", with: "\"dtype\":\"f8e4m3\",\"encoding\":\"raw\",\"name\":\"b\"") }
        let f = try ClipzFile(path: path, checksConfig: false)
        XCTAssertEqual(try f.tensor("a").floats(), [1, 2])
        XCTAssertThrowsError(try f.tensor("b")) { XCTAssertTrue("\($0)".contains("f8e4m3"), "\($0)") }
    }
}

extension Tensor {
    func renamed(_ n: String) throws -> Tensor { try Tensor(name: n, dtype: dtype, shape: shape, bytes: bytes) }
}

final class EmptyTensorTests: XCTestCase {
    /// Empty float tensors load through both readers (no buffer address to trip over).
    func testEmptyFloatTensorsLoad() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/e.clipz"
        let t32 = try Tensor(name: "e32", shape: [0, 4], floats: []), t16 = try Tensor(name: "e16", dtype: .f16, shape: [0], bytes: [])
        try ClipzWriter.write(ModelSource(metadata: tinyMetadata(), tensors: [.init(t32), .init(t16)]), to: path)
        let f = try ClipzFile(path: path, checksConfig: false)
        XCTAssertEqual(try f.floats("e32"), [])
        XCTAssertEqual(try f.floats("e16"), [])
        XCTAssertEqual(try f.tensor("e32"), t32)
    }
}
