import ClipzCore
@testable import ClipzImport
import Foundation
import XCTest

/// Folding of integer shape subgraphs (ShapeFolding.swift) on hand-built graphs: torch's legacy exporter cuts
/// `nn.MultiheadAttention`'s `in_proj` at bounds computed from Shape ops; static dims fold, the batch never does.
final class ONNXShapeFoldingTests: XCTestCase {
    // MARK: wire-format builders (field numbers from Formats/onnx.proto)

    func varint(_ v: UInt64) -> [UInt8] {
        var o: [UInt8] = []
        ONNXWireStrip.appendVarint(v, to: &o)
        return o
    }
    func field(_ n: Int, _ payload: [UInt8]) -> [UInt8] { varint(UInt64(n << 3 | 2)) + varint(UInt64(payload.count)) + payload }
    func int(_ n: Int, _ v: Int) -> [UInt8] { varint(UInt64(n << 3)) + varint(UInt64(bitPattern: Int64(v))) }
    func str(_ n: Int, _ s: String) -> [UInt8] { field(n, Array(s.utf8)) }

    /// TensorProto: dims 1, data_type 2, name 8, raw_data 9.
    func int64s(_ name: String, _ values: [Int], shape: [Int]? = nil) -> [UInt8] {
        let raw = values.flatMap { v in withUnsafeBytes(of: Int64(v).littleEndian) { Array($0) } }
        return (shape ?? [values.count]).flatMap { int(1, $0) } + int(2, 7) + str(8, name) + field(9, raw)
    }
    func floats(_ name: String, shape: [Int]) -> [UInt8] {
        let raw = (0..<shape.reduce(1, *)).flatMap { i in withUnsafeBytes(of: Float(i)) { Array($0) } }
        return shape.flatMap { int(1, $0) } + int(2, 1) + str(8, name) + field(9, raw)
    }
    /// NodeProto: input 1, output 2, name 3, op_type 4, attribute 5 (AttributeProto: name 1, ints 8, type 20 = INTS 7).
    func node(_ op: String, _ inputs: [String], _ output: String, perm: [Int]? = nil) -> [UInt8] {
        var n = inputs.flatMap { str(1, $0) } + str(2, output) + str(3, output) + str(4, op)
        if let perm { n += field(5, str(1, "perm") + perm.flatMap { int(8, $0) } + int(20, 7)) }
        return n
    }

    /// A graph with input `x` [batch, 1, 32] and `w` [96, 4]: `xt` = x transposed to [1, batch, 32], `e1` =
    /// Shape(xt)[-1:] (32), `end` = e1 + Unsqueeze(Squeeze(e1) · 2) (96), `kv` = w[e1:end], `bv` = Shape(xt)[1]
    /// (the batch) and `bad` = w[0:bv]; `wrs` = Shape(Reshape(w, [-1, 8])); `filled` = ConstantOfShape([3, 2^63 - 1]);
    /// `grid` = [[1], [2]] + [10, 20] and `row2` = [10, 20] + 2; `chain` is 40 Adds each reading its predecessor twice.
    func graph() throws -> ONNXGraph {
        var nodes = [node("Transpose", ["x"], "xt", perm: [1, 0, 2]), node("Shape", ["xt"], "s"),
                     node("Slice", ["s", "m1", "big", "z"], "e1"), node("Squeeze", ["e1", "z"], "e"),
                     node("Mul", ["e", "two"], "e2"), node("Unsqueeze", ["e2", "z"], "e2v"), node("Add", ["e1", "e2v"], "end"),
                     node("Slice", ["w", "e1", "end", "z"], "kv"),
                     node("Gather", ["s", "idx1"], "b"), node("Unsqueeze", ["b", "z"], "bv"), node("Slice", ["w", "z", "bv", "z"], "bad"),
                     node("Reshape", ["w", "r"], "wr"), node("Shape", ["wr"], "wrs"),
                     node("ConstantOfShape", ["huge"], "filled"), node("Shape", ["filled"], "filledShape"),
                     node("Add", ["col", "row"], "grid"), node("Add", ["row", "two"], "row2")]
        nodes.append(node("Add", ["e1", "e1"], "chain0"))
        for i in 1..<40 { nodes.append(node("Add", ["chain\(i - 1)", "chain\(i - 1)"], "chain\(i)")) }
        let inits = [floats("w", shape: [96, 4]), int64s("m1", [-1]), int64s("big", [Int(Int64.max)]), int64s("z", [0]),
                     int64s("two", [2], shape: []), int64s("idx1", [1], shape: []), int64s("r", [-1, 8]),
                     int64s("huge", [3, Int(Int64.max)]), int64s("col", [1, 2], shape: [2, 1]), int64s("row", [10, 20])]
        // ValueInfoProto x: name 1, type 2 → tensor_type 1 → elem_type 1, shape 2 → dim 1 (dim_value 1 | dim_param 2).
        let dims = field(1, str(2, "batch")) + field(1, int(1, 1)) + field(1, int(1, 32))
        let x = str(1, "x") + field(2, field(1, int(1, 1) + field(2, dims)))
        let g = nodes.flatMap { field(1, $0) } + str(2, "g") + inits.flatMap { field(5, $0) } + field(11, x)
        let model = int(1, 8) + field(7, g) + field(8, int(2, 17))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fold-\(UUID().uuidString).onnx").path
        try Data(model).write(to: URL(fileURLWithPath: path))
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return try ONNXGraph(model: ONNXProtoModel(path: path))
    }

    func testSliceBoundsFromStaticDimsFold() throws {
        let g = try graph()
        XCTAssertEqual(g.foldedInts("s"), FoldedInts(shape: [3], elements: [.known(1), .unknown, .known(32)]))
        XCTAssertEqual(g.knownInts("e1", limit: 1), [32])
        XCTAssertEqual(g.foldedInts("e"), FoldedInts(shape: [], elements: [.known(32)]))
        XCTAssertEqual(g.knownInts("end", limit: 1), [96])
        let kv = try XCTUnwrap(g.constantRows("kv"))
        XCTAssertEqual(kv.shape, [64, 4])
        XCTAssertEqual(kv.name, "w[32:96]")
        XCTAssertEqual(try kv.floats().prefix(2), [128, 129])
    }

    func testBatchDimStaysUnknown() throws {
        let g = try graph()
        XCTAssertEqual(g.foldedInts("bv"), FoldedInts(shape: [1], elements: [.unknown]))
        XCTAssertNil(g.knownInts("bv", limit: 1))
        XCTAssertNil(g.constantRows("bad"), "a slice bounded by the batch is no constant block of rows")
        // Reading a head count, Shape's dims stay unknown and a scaled unknown keeps its factor.
        XCTAssertEqual(g.shapeElements("s"), [.unknown, .unknown, .unknown])
        XCTAssertEqual(ShapeFolder.combine("Mul", .unknown, .known(4)), .times(4))
        XCTAssertEqual(ShapeFolder.combine("Mul", .known(Int.max), .known(2)), .unknown, "overflow is unknown, not a wrapped value")
        XCTAssertEqual(ShapeFolder.combine("Div", .known(7), .known(0)), .unknown)
    }

    func testReshapeInfersItsFreeDimAndHugeShapesAreNoValues() throws {
        let g = try graph()
        XCTAssertEqual(g.knownInts("wrs", limit: 2), [48, 8])
        // Its dims are known, its values too many to hold (and their count overflows): no value, no trap.
        XCTAssertNil(g.foldedInts("filled"))
        XCTAssertEqual(g.knownInts("filledShape", limit: 2), [3, Int(Int64.max)])
        // Element-by-element arithmetic only where broadcasting pairs the elements so: a scalar, or equal shapes.
        XCTAssertEqual(g.knownInts("row2", limit: 2), [12, 22])
        XCTAssertNil(g.foldedInts("grid"), "[2, 1] + [2] is a [2, 2] grid, not two sums")
    }

    func testDiamondChainsStopAtTheBudget() throws {
        let g = try graph()
        // 2^40 paths through the chain; the walk gives up after its budget instead of enumerating them.
        let start = Date()
        XCTAssertNil(g.foldedInts("chain39"))
        XCTAssertLessThan(Date().timeIntervalSince(start), 1)
        XCTAssertEqual(g.knownInts("chain3", limit: 1), [32 << 4], "a short chain still folds")
    }
}
