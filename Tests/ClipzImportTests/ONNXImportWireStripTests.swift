import COnnxProto
import ClipzCore
@testable import ClipzImport
import XCTest

/// The wire walk that strips initializer raw_data before protobuf-c unpacks a model.
final class ONNXImportWireStripTests: XCTestCase {
    // MARK: wire-format builders

    func varint(_ v: UInt64) -> [UInt8] { var o: [UInt8] = []; ONNXWireStrip.appendVarint(v, to: &o); return o }
    func field(_ n: Int, _ payload: [UInt8]) -> [UInt8] { varint(UInt64(n << 3 | 2)) + varint(UInt64(payload.count)) + payload }
    func int(_ n: Int, _ v: UInt64) -> [UInt8] { varint(UInt64(n << 3)) + varint(v) }

    func strip(_ b: [UInt8]) throws -> ONNXStrippedModel {
        try b.withUnsafeBytes { try ONNXWireStrip.strip($0, file: "m.onnx") }
    }

    // MARK: hand-built messages

    func testStripsRawDataAndReencodesLengths() throws {
        let raw1 = [UInt8](repeating: 7, count: 300)   // two-byte length prefix, shrinks to one byte
        let t1 = int(1, 4) + int(2, 1) + field(8, Array("w".utf8)) + field(9, raw1)
        let t2 = field(8, Array("c".utf8)) + int(2, 7)                           // no raw_data
        let t3 = field(9, [1, 2]) + field(8, Array("d".utf8)) + field(9, [3, 4, 5, 6])   // last raw_data wins
        let node = field(1, field(9, [9, 9]))   // a NodeProto-shaped field: copied verbatim, never stripped
        let graph = node + field(5, t1) + field(2, Array("g".utf8)) + field(5, t2) + field(5, t3)
        let model = int(1, 8) + field(7, graph) + field(8, int(2, 17))
        let s = try strip(model)

        let wantGraph = node + field(5, int(1, 4) + int(2, 1) + field(8, Array("w".utf8))) + field(2, Array("g".utf8))
            + field(5, t2) + field(5, field(8, Array("d".utf8)))
        XCTAssertEqual(s.bytes, int(1, 8) + field(7, wantGraph) + field(8, int(2, 17)))
        XCTAssertEqual(s.raw.count, 3)
        XCTAssertNil(s.raw[1])
        for (r, want) in [(s.raw[0], raw1), (s.raw[2], [3, 4, 5, 6] as [UInt8])] {
            guard let r else { XCTFail("range missing"); continue }
            XCTAssertEqual(Array(model[r]), want)
        }
    }

    func testModelWithoutGraphIsCopiedVerbatim() throws {
        let model = int(1, 8) + field(2, Array("pytorch".utf8))
        let s = try strip(model)
        XCTAssertEqual(s.bytes, model)
        XCTAssertEqual(s.raw, [])
    }

    func expectMalformed(_ b: [UInt8], offset: Int, contains: String, line: UInt = #line) {
        XCTAssertThrowsError(try strip(b), line: line) { e in
            guard case let ImportError.malformed(file, detail, at) = e else { return XCTFail("\(e)", line: line) }
            XCTAssertEqual(file, "m.onnx", line: line)
            XCTAssertEqual(at, offset, detail, line: line)
            XCTAssertTrue(detail.contains(contains), detail, line: line)
        }
    }

    func testMalformedWireGivesTypedErrorsWithOffsets() {
        expectMalformed([0x08, 0x80], offset: 1, contains: "past the end")                       // truncated varint value
        expectMalformed([0x08] + [UInt8](repeating: 0xFF, count: 11), offset: 1, contains: "longer than 10")
        expectMalformed([0x08, 1, 0x3A, 5, 1, 2, 3], offset: 2, contains: "declares 5 bytes")     // graph past EOF
        expectMalformed([0x0B], offset: 0, contains: "wire type 3")
        expectMalformed([0x02, 0], offset: 0, contains: "field number 0")
        expectMalformed([0x0D, 1, 2], offset: 0, contains: "fixed-width")
        // Inside a tensor inside the graph: raw_data length runs past the tensor.
        let tensor: [UInt8] = [0x4A, 9, 1, 2]
        let model = field(7, field(5, tensor))
        expectMalformed(model, offset: 4, contains: "declares 9 bytes")
        // Inside the graph: a tag that never ends.
        expectMalformed(field(7, [0x80, 0x80]), offset: 2, contains: "past the end")
    }

    // MARK: real exports

    func testFixtureStripsToTheSameModelMinusRawData() throws {
        for name in ["hf_tiny/combined_op17.onnx", "hf_tiny/combined_dynamo.onnx", "hf_tiny/combined_op17_fp16.onnx"] {
            let path = ONNXFixtures.path(name)
            guard FileManager.default.fileExists(atPath: path) else { throw MissingFixture("\(name) missing") }
            let file = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            let s = try strip(file)
            guard let full = file.withUnsafeBufferPointer({ onnx__model_proto__unpack(nil, $0.count, $0.baseAddress) }) else {
                return XCTFail("\(name): protobuf-c refused the fixture")
            }
            defer { onnx__model_proto__free_unpacked(full, nil) }
            guard let g = full.pointee.graph else { return XCTFail("\(name): no graph") }
            XCTAssertEqual(s.raw.count, g.pointee.n_initializer, name)
            for (i, p) in cArray(g.pointee.initializer, g.pointee.n_initializer).enumerated() {
                guard let p, i < s.raw.count else { continue }
                let t = p.pointee
                guard t.has_raw_data != 0 else { XCTAssertNil(s.raw[i], name); continue }
                guard let r = s.raw[i] else { XCTFail("\(name): initializer \(i) lost its range"); continue }
                XCTAssertEqual(Array(file[r]), Array(cArray(t.raw_data.data, t.raw_data.len)),
                               "\(name): initializer \(cString(t.name)) offset points at other bytes")
                p.pointee.has_raw_data = 0   // protobuf-c frees by pointer, so this only affects packing
            }
            // The original, repacked without initializer raw_data, is exactly the stripped encoding.
            var repacked = [UInt8](repeating: 0, count: onnx__model_proto__get_packed_size(full))
            _ = repacked.withUnsafeMutableBufferPointer { onnx__model_proto__pack(full, $0.baseAddress) }
            XCTAssertEqual(repacked, s.bytes, "\(name): stripped bytes differ from the model minus raw_data")
        }
    }

    /// Initializers of ONNX types Clipz does not read (double here) are no constants to the matcher; the
    /// readable ones load their stripped raw_data from the file.
    func testUnreadableTypesAreNoConstants() throws {
        let floats: [UInt8] = [Float(1.5), -2].flatMap { f in withUnsafeBytes(of: f) { Array($0) } }
        let f = int(1, 2) + int(2, 1) + field(8, Array("f".utf8)) + field(9, floats)
        let d = int(1, 1) + int(2, 11) + field(8, Array("d".utf8)) + field(9, [UInt8](repeating: 0, count: 8))
        let model = int(1, 8) + field(7, field(5, f) + field(5, d) + field(2, Array("g".utf8))) + field(8, int(2, 17))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("types-\(UUID().uuidString).onnx").path
        try Data(model).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let g = try ONNXGraph(model: ONNXProtoModel(path: path))
        XCTAssertEqual(try g.constant("f")?.floats(), [1.5, -2])
        XCTAssertNil(g.constant("d"))
        XCTAssertEqual(Array(g.initializers.keys), ["f"])
    }

    func testTruncatedTensorBytesAreTypedErrorsAtLoad() throws {
        // A model whose raw_data is intact at open time but shrinks before the load: typed error, no trap.
        let src = ONNXFixtures.path("hf_tiny/text_op17.onnx")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wire-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = dir.appendingPathComponent("t.onnx")
        try FileManager.default.copyItem(atPath: src, toPath: p.path)
        let g = try ONNXGraph(model: ONNXProtoModel(path: p.path))
        guard let big = g.initializers.values.max(by: { $0.byteCount < $1.byteCount }),
              case let .file(path, offset) = big.storage, path == p.path else { return XCTFail("no embedded initializer") }
        let length = big.byteCount
        XCTAssertEqual(try big.readBytes().count, length)
        let h = try FileHandle(forWritingTo: p)
        try h.truncate(atOffset: UInt64(offset + length / 2))
        try h.close()
        XCTAssertThrowsError(try big.readBytes()) { e in
            guard case let ImportError.malformed(_, detail, _) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(detail.contains("run past the end of the file"), detail)
        }
    }
}
