import CClipzKernels
@testable import ClipzCore
import XCTest

final class KernelTests: XCTestCase {
    func testCRC32CKnownValue() {
        // RFC 3720 B.4 check value.
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        // Continuing a checksum equals checksumming the concatenation.
        let a = Array("hello ".utf8), b = Array("world".utf8)
        XCTAssertEqual(CRC32C.checksum(b, continuing: CRC32C.checksum(a)), CRC32C.checksum(a + b))
    }

    func testSHA256KnownValues() {
        var s = SHA256(); s.update(Array("abc".utf8))
        XCTAssertEqual(s.finalizeHex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        var e = SHA256()
        XCTAssertEqual(e.finalizeHex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        var m = SHA256(); m.update(Array(String(repeating: "a", count: 1000).utf8)); m.update(Array("bc".utf8))
        var one = SHA256(); one.update(Array((String(repeating: "a", count: 1000) + "bc").utf8))
        XCTAssertEqual(m.finalizeHex(), one.finalizeHex())
    }

    func testF16ToF32MatchesReferenceForAllBitPatterns() {
        let all = (0...0xFFFF).map { UInt16($0) }
        var fast = [Float](repeating: 0, count: all.count), ref = fast
        clipz_f16_to_f32(all, &fast, all.count)
        clipz_f16_to_f32_ref(all, &ref, all.count)
        for i in 0..<all.count {
            XCTAssertEqual(fast[i].bitPattern, ref[i].bitPattern, "half 0x\(String(i, radix: 16))")
            if fast[i].bitPattern != ref[i].bitPattern { break }
        }
        XCTAssertEqual(ref[0x3C00], 1.0); XCTAssertEqual(ref[0xC000], -2.0); XCTAssertEqual(ref[0x0001], 5.9604645e-8)
    }

    func testF32ToF16MatchesReference() {
        var rng = SplitMix64(seed: 7)
        var values: [Float] = [0, -0, 1, 65504, 65519, 65520, 1e-8, 6e-8, 3e-5, .infinity, -.infinity, 0.1, 1.0009765625]
        for _ in 0..<100_000 { values.append(Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()) & 0x7FFF_FFFF | (rng.next() & 1 == 0 ? 0 : 0x8000_0000))) }
        for _ in 0..<10_000 { values.append((rng.nextFloat() - 0.5) * 10) }
        var fast = [UInt16](repeating: 0, count: values.count), ref = fast
        clipz_f32_to_f16(values, &fast, values.count)
        clipz_f32_to_f16_ref(values, &ref, values.count)
        var mismatches = 0
        for i in 0..<values.count where fast[i] != ref[i] && !values[i].isNaN { mismatches += 1 }
        XCTAssertEqual(mismatches, 0)
        XCTAssertEqual(ref[2], 0x3C00); XCTAssertEqual(ref[3], 0x7BFF); XCTAssertEqual(ref[5], 0x7C00)
    }

    func testSgemmMatchesReference() {
        var rng = SplitMix64(seed: 3)
        let m = 37, n = 53, k = 129
        let a = (0..<(m * k)).map { _ in rng.nextGaussian() }
        let b = (0..<(k * n)).map { _ in rng.nextGaussian() }
        for transB: Int32 in [0, 1] {
            var c = [Float](repeating: 1, count: m * n), r = c
            clipz_sgemm(transB, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, transB == 1 ? Int32(k) : Int32(n), 0.5, &c, Int32(n))
            clipz_sgemm_ref(transB, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, transB == 1 ? Int32(k) : Int32(n), 0.5, &r, Int32(n))
            let maxDiff = zip(c, r).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThan(maxDiff, 1e-3, "transB=\(transB)")
        }
    }

    func testOpenBLASUsesAFastCoreOnThisCPU() throws {
        XCTAssertNil(BLAS.load())
        let core = BLAS.coreName
        print("OpenBLAS core: \(core); chosen by clipz: \(BLAS.chosenCore ?? "-"); user set: \(BLAS.userSetCore); cpu: \(CPUFeatures.current.names)")
        let f = CPUFeatures.current
        if !BLAS.userSetCore && f.contains([.avx2, .fma]) {
            XCTAssertNotEqual(core.lowercased(), "prescott")
            XCTAssertFalse(["core2", "penryn", "dunnington", "nehalem", "katmai", "northwood", "prescott"].contains(core.lowercased()))
        }
        if !BLAS.userSetCore && f.contains([.avx512f, .avx512bw, .avx512vl, .avx512dq]) {
            XCTAssertTrue(["skylakex", "cooperlake", "sapphirerapids"].contains(core.lowercased()), core)
        }
    }

    func testTensorConversionsRoundTrip() throws {
        let t = try Tensor(name: "x", shape: [2, 3], floats: [0, 1, -2, 0.5, 65504, -0.25])
        XCTAssertEqual(try t.converted(to: .f16).converted(to: .f32).floats(), t.floats())
        XCTAssertEqual(try t.converted(to: .bf16).floats(), [0, 1, -2, 0.5, 65536, -0.25])
        XCTAssertThrowsError(try Tensor(name: "bad", dtype: .f32, shape: [3], bytes: [0, 0, 0, 0]))
        XCTAssertThrowsError(try Tensor(name: "neg", dtype: .f32, shape: [-1], bytes: []))
        XCTAssertThrowsError(try Tensor(name: "huge", dtype: .f32, shape: [Int.max, 4], bytes: []))
        XCTAssertEqual(try Tensor(name: "scalar", shape: [], floats: [3]).elementCount, 1)
        XCTAssertEqual(try Tensor(name: "empty", shape: [0, 5], floats: []).elementCount, 0)
    }

    func testSyntheticModelIsCanonical() throws {
        let m = SyntheticModel.make(config: SyntheticModel.tinyConfig())
        XCTAssertNoThrow(try m.validateCanonical())
        XCTAssertEqual(try m.tensors[0].load().floats(), try m.tensors[0].load().floats())
    }
}
