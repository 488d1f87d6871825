import ClipzCore
import Foundation
import XCTest
@testable import ClipzImport

/// Reader details checked against bytes NumPy itself wrote.
final class DumpImportTestsFormats: XCTestCase {
    // Produced with /work/pyenv/bin/python (numpy 2.x):
    //   a = np.arange(12, dtype=np.float32).reshape(3,4) * 0.5; b = np.array([[1.5, -2.25]]); c = np.arange(6, dtype=np.float16).reshape(2,3)
    //   buf = io.BytesIO(); np.savez(buf, a=a, b=b, c=c); base64.b64encode(buf.getvalue())
    static let savez = "UEsDBC0AAAAAAAAAIQDufBU3//////////8FABQAYS5ucHkBABAAsAAAAAAAAACwAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJzxmNCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgzLCA0KSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAAAAAAAAAD8AAIA/AADAPwAAAEAAACBAAABAQAAAYEAAAIBAAACQQAAAoEAAALBAUEsDBC0AAAAAAAAAIQD3uodM//////////8FABQAYi5ucHkBABAAkAAAAAAAAACQAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJzxmOCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgxLCAyKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAAAAAAAA+D8AAAAAAAACwFBLAwQtAAAAAAAAACEAzjxjr///////////BQAUAGMubnB5AQAQAIwAAAAAAAAAjAAAAAAAAACTTlVNUFkBAHYAeydkZXNjcic6ICc8ZjInLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgCgAAADwAQABCAEQARVBLAQItAy0AAAAAAAAAIQDufBU3sAAAALAAAAAFAAAAAAAAAAAAAACAAQAAAABhLm5weVBLAQItAy0AAAAAAAAAIQD3uodMkAAAAJAAAAAFAAAAAAAAAAAAAACAAecAAABiLm5weVBLAQItAy0AAAAAAAAAIQDOPGOvjAAAAIwAAAAFAAAAAAAAAAAAAACAAa4BAABjLm5weVBLBQYAAAAAAwADAJkAAABxAgAAAAA="
    //   buf = io.BytesIO(); np.savez_compressed(buf, a=a, z=np.zeros((64,), np.float32) + np.float32(0.25))
    static let savezCompressed = "UEsDBC0AAAAIAAAAIQDufBU3//////////8FABQAYS5ucHkBABAAsAAAAAAAAABmAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loG6TZqKuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GsY6CiaaOgq1CmQDLgYIsGdgaADiA0DM4MDAoADEDkCcAMQNQDwBiBcA8QYHAFBLAwQtAAAACAAAACEAMElrlP//////////BQAUAHoubnB5AQAQAIABAAAAAAAASwAAAAAAAACb7BfqGxDJyFDGUK2eklqcXKRupaBuk2airqOgnpZfVFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RpmJjqaOgq1CuQDLgaGBruRjAFQSwECLQMtAAAACAAAACEA7nwVN2YAAACwAAAABQAAAAAAAAAAAAAAgAEAAAAAYS5ucHlQSwECLQMtAAAACAAAACEAMElrlEsAAACAAQAABQAAAAAAAAAAAAAAgAGdAAAAei5ucHlQSwUGAAAAAAIAAgBmAAAAHwEAAAAA"

    static func file(_ base64: String) throws -> String {
        let p = try makeTempDir("npz") + "/x.npz"
        try write(Array(Data(base64Encoded: base64) ?? Data()), p)
        return p
    }

    func testNumpySavezStoredMembers() throws {
        let t = try NpzReader.read(path: try Self.file(Self.savez))
        XCTAssertEqual(t.map(\.name), ["a", "b", "c"])
        XCTAssertEqual(t[0].shape, [3, 4])
        XCTAssertEqual(try Tensor(name: "a", dtype: .f32, shape: [3, 4], bytes: t[0].readBytes()).floats(), (0..<12).map { Float($0) * 0.5 })
        XCTAssertEqual(t[1].dtype, .f64)
        let b = try Tensor(name: "b", dtype: .f32, shape: [1, 2], bytes: t[1].convert(try t[1].readBytes()))
        XCTAssertEqual(b.floats(), [1.5, -2.25])
        XCTAssertEqual(t[2].dtype, .f16)
        XCTAssertEqual(try Tensor(name: "c", dtype: .f16, shape: [2, 3], bytes: t[2].readBytes()).floats(), [0, 1, 2, 3, 4, 5])
    }

    func testNumpySavezCompressedMembers() throws {
        let t = try NpzReader.read(path: try Self.file(Self.savezCompressed))
        XCTAssertEqual(t.map(\.name), ["a", "z"])
        XCTAssertEqual(try Tensor(name: "a", dtype: .f32, shape: [3, 4], bytes: t[0].readBytes()).floats(), (0..<12).map { Float($0) * 0.5 })
        XCTAssertEqual(try Tensor(name: "z", dtype: .f32, shape: [64], bytes: t[1].readBytes()).floats(), [Float](repeating: 0.25, count: 64))
        // A slice of a deflated member (used for packed q/k/v) is the same bytes as a slice of the whole.
        XCTAssertEqual(try t[0].readBytes(16..<32), Array(try t[0].readBytes()[16..<32]))
    }

    func testNpyHeaderVariants() throws {
        func header(_ dict: String, version: UInt8 = 1) -> [UInt8] {
            let d = Array(dict.utf8)
            let len: [UInt8] = version == 1 ? DumpWriter.le16(d.count) : DumpWriter.le32(d.count)
            return NpyHeader.magic + [version, 0] + len + d
        }
        let h = try NpyHeader.parse(header("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"), file: "f", tensor: "t")
        XCTAssertEqual(h.shape, [2]); XCTAssertEqual(h.dtype, .f32)
        let dict2 = "{\"shape\": (), \"fortran_order\": False, \"descr\": \"|u1\"}"
        let v2 = try NpyHeader.parse(header(dict2, version: 2), file: "f", tensor: "t")
        XCTAssertEqual(v2.shape, []); XCTAssertEqual(v2.dtype, .u8); XCTAssertEqual(v2.dataOffset, 12 + dict2.utf8.count)
        XCTAssertThrowsError(try NpyHeader.parse(header("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }"), file: "f", tensor: "t")) {
            XCTAssertTrue("\($0)".contains("Fortran order"))
        }
        XCTAssertThrowsError(try NpyHeader.parse(header("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }"), file: "f", tensor: "t"))
        XCTAssertThrowsError(try NpyHeader.parse(header("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }"), file: "f", tensor: "t"))
    }

    func testTransposeMovesWholeElements() {
        // [2, 3] of 2-byte elements -> [3, 2].
        let src: [UInt8] = [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]
        XCTAssertEqual(SourceTensor.transposed(src, rows: 2, cols: 3, elementSize: 2, colStart: 0, colCount: 3), [1, 1, 4, 4, 2, 2, 5, 5, 3, 3, 6, 6])
        // Columns 1..<3 only (a packed q/k/v block), and a source that is not [2, 3].
        XCTAssertEqual(SourceTensor.transposed(src, rows: 2, cols: 3, elementSize: 2, colStart: 1, colCount: 2), [2, 2, 5, 5, 3, 3, 6, 6])
        XCTAssertNil(SourceTensor.transposed(Array(src.dropLast()), rows: 2, cols: 3, elementSize: 2, colStart: 0, colCount: 3))
    }
}
