import CClipzKernels
import ClipzCore
import XCTest

/// Every optimized int8 path against the scalar reference, and the reference against float math.
final class Int8KernelTests: XCTestCase {
    /// Random int8 weights: -127...127, or -64...63 when `narrow` (7-bit; the AVX2_NARROW path's domain).
    static func weights(_ count: Int, narrow: Bool, rng: inout SplitMix64) -> [Int8] {
        (0..<count).map { _ in narrow ? Int8(Int(rng.next() % 128) - 64) : Int8(Int(rng.next() % 255) - 127) }
    }

    func run(path: clipz_i8_path, m: Int, n: Int, k: Int, rng: inout SplitMix64, bias: Bool,
             accumulate: Int32 = 0, act: Int32 = CLIPZ_ACT_NONE.rawValue) -> ([Float], [Float]) {
        let narrow = path == CLIPZ_I8_PATH_AVX2_NARROW
        let w = Self.weights(n * k, narrow: narrow, rng: &rng)
        let x = (0..<(m * k)).map { _ in rng.nextGaussian() }
        var packed = [Int8](repeating: 0, count: clipz_i8_packed_bytes(Int32(n), Int32(k)))
        var colsum = [Int32](repeating: 0, count: n)
        XCTAssertEqual(clipz_i8_pack(w, Int32(n), Int32(k), &packed, &colsum), narrow || w.allSatisfy { (-64...63).contains($0) } ? 1 : 0)
        let kp = (k + 3) / 4 * 4
        var xq = [Int8](repeating: 0, count: m * kp), sx = [Float](repeating: 0, count: m)
        clipz_quantize_rows(x, Int32(m), Int32(k), &xq, &sx)
        let sw = (0..<n).map { _ in 0.01 + rng.nextFloat() * 0.01 }
        let b: [Float]? = bias ? (0..<n).map { _ in rng.nextGaussian() } : nil
        // Accumulating calls add to what y holds (the residual); others must overwrite NaNs.
        var y = (0..<(m * n)).map { _ in accumulate != 0 ? rng.nextGaussian() : .nan }, ref = y
        let bp = b ?? []
        bp.withUnsafeBufferPointer { bb in
            XCTAssertEqual(clipz_i8_gemm_path(path, xq, sx, Int32(m), Int32(k), packed, colsum, sw, bias ? bb.baseAddress : nil, &y, Int32(n), Int32(n), 0, Int32(n), accumulate, clipz_act(act)), 0)
            XCTAssertEqual(clipz_i8_gemm_path(CLIPZ_I8_PATH_SCALAR, xq, sx, Int32(m), Int32(k), packed, colsum, sw, bias ? bb.baseAddress : nil, &ref, Int32(n), Int32(n), 0, Int32(n), accumulate, clipz_act(act)), 0)
        }
        // Plain float check of the reference: Σ xq·w · sx · sw + b.
        if accumulate == 0 && act == CLIPZ_ACT_NONE.rawValue { for i in 0..<m { for j in 0..<n {
            var acc = 0
            for kk in 0..<k { acc += Int(xq[i * kp + kk]) * Int(w[j * k + kk]) }
            let expect = Float(acc) * sx[i] * sw[j] + (b?[j] ?? 0)
            XCTAssertEqual(ref[i * n + j], expect, accuracy: abs(expect) * 1e-5 + 1e-5)
        } } }
        return (y, ref)
    }

    /// The optimized paths this CPU runs (as clipz_cpu_features() reports it: CLIPZ_CPU_DISABLE hides some).
    static let pathNames: [clipz_i8_path: String] = [CLIPZ_I8_PATH_AVX2: "avx2", CLIPZ_I8_PATH_VNNI: "avx512-vnni", CLIPZ_I8_PATH_NEON: "neon-sdot",
                                                     CLIPZ_I8_PATH_NEON_I8MM: "neon-i8mm"]
    static var optimizedPaths: [clipz_i8_path] {
        [CLIPZ_I8_PATH_AVX2, CLIPZ_I8_PATH_VNNI, CLIPZ_I8_PATH_NEON, CLIPZ_I8_PATH_NEON_I8MM].filter { clipz_i8_path_supported($0) != 0 }
    }

    func testPathsOnOfferFollowTheCPU() {
        let f = CPUFeatures.current
        XCTAssertEqual(clipz_i8_path_supported(CLIPZ_I8_PATH_SCALAR), 1)
        XCTAssertEqual(clipz_i8_path_supported(CLIPZ_I8_PATH_AUTO), 0)
        XCTAssertEqual(clipz_i8_path_supported(CLIPZ_I8_PATH_AVX2) != 0, f.contains([.avx2, .fma]))
        XCTAssertEqual(clipz_i8_path_supported(CLIPZ_I8_PATH_VNNI) != 0, f.contains([.avx512f, .avx512bw, .avx512vl, .avx512vnni]))
        XCTAssertEqual(clipz_i8_path_supported(CLIPZ_I8_PATH_NEON) != 0, f.contains(.neonDot))
        XCTAssertEqual(clipz_i8_path_supported(CLIPZ_I8_PATH_NEON_I8MM) != 0, f.contains(.neonI8mm))
        // The dispatched kernel is the best path on offer, and a path on no offer is refused without writing.
        XCTAssertEqual(Self.optimizedPaths.last.map { Self.pathNames[$0]! } ?? "scalar", KernelPaths.int8GEMM)
        var y: [Float] = [42]
        let one: [Int8] = [1, 0, 0, 0]
        var packed = [Int8](repeating: 0, count: clipz_i8_packed_bytes(1, 1)), colsum: [Int32] = [0]
        clipz_i8_pack(one, 1, 1, &packed, &colsum)
        XCTAssertEqual(clipz_i8_gemm_path(clipz_i8_path(99), one, [1], 1, 1, packed, colsum, [1], nil, &y, 1, 1, 0, 1, 0, CLIPZ_ACT_NONE), -1)
        XCTAssertEqual(y, [42])
    }

    /// The AVX2 kernel for 7-bit weights, where the CPU has AVX2 (not a dispatch choice: the weights decide).
    static var narrowPaths: [clipz_i8_path] { clipz_i8_path_supported(CLIPZ_I8_PATH_AVX2_NARROW) != 0 ? [CLIPZ_I8_PATH_AVX2_NARROW] : [] }

    func testPackReportsWhetherWeightsFitSevenBits() {
        for (w, narrow) in [([Int8](repeating: -64, count: 8) + [63], Int32(1)), ([0, 0, 64], 0), ([-65, 0, 0, 0], 0), ([-127], 0), ([0], 1)] {
            var packed = [Int8](repeating: 0, count: clipz_i8_packed_bytes(1, Int32(w.count))), colsum: [Int32] = [0]
            XCTAssertEqual(clipz_i8_pack(w, 1, Int32(w.count), &packed, &colsum), narrow, "\(w)")
            XCTAssertEqual(colsum, [w.reduce(0) { $0 + Int32($1) }])
        }
        XCTAssertEqual(clipz_i8_path_supported(CLIPZ_I8_PATH_AVX2_NARROW) != 0, clipz_i8_path_supported(CLIPZ_I8_PATH_AVX2) != 0)
    }

    func testOptimizedPathsMatchScalarReference() {
        var rng = SplitMix64(seed: 11)
        let paths = Self.optimizedPaths + Self.narrowPaths
        print("int8 paths checked against the scalar reference on this CPU: \(paths.map { Self.pathNames[$0] ?? "avx2-narrow" }) (dispatch: \(KernelPaths.int8GEMM))")
        let shapes = [(1, 1, 1), (3, 17, 5), (4, 16, 4), (7, 33, 64), (5, 70, 130), (9, 64, 768), (2, 48, 3), (8, 32, 20), (50, 80, 36)]
        // Epilogues: plain, residual add, and each activation (exact GELU runs as a separate pass on VNNI).
        let epilogues: [(Int32, Int32)] = [(0, CLIPZ_ACT_NONE.rawValue), (1, CLIPZ_ACT_NONE.rawValue), (0, CLIPZ_ACT_QUICK_GELU.rawValue),
                                            (0, CLIPZ_ACT_GELU.rawValue), (0, CLIPZ_ACT_GELU_TANH.rawValue), (1, CLIPZ_ACT_QUICK_GELU.rawValue)]
        for path in paths {
            for (m, n, k) in shapes {
                for bias in [false, true] { for (accumulate, act) in epilogues {
                    let (y, ref) = run(path: path, m: m, n: n, k: k, rng: &rng, bias: bias, accumulate: accumulate, act: act)
                    for i in 0..<y.count {
                        XCTAssertEqual(y[i], ref[i], accuracy: abs(ref[i]) * 2e-5 + 2e-5, "path \(path) m\(m) n\(n) k\(k) acc \(accumulate) act \(act) at \(i)")
                    }
                } }
            }
        }
    }

    /// Activations stored as x + 128 (what the runtime hands the VNNI kernel) give bit-identical results
    /// to the signed entry point, on every epilogue and on shapes off the tile edges.
    /// Both weight ranges: 7-bit weights take AVX2's u8 × s8 kernel there, full-range ones the signed one.
    func testOffsetEntryEqualsSignedEntry() {
        var rng = SplitMix64(seed: 21)
        for (m, n, k) in [(1, 16, 4), (7, 33, 64), (9, 64, 768), (13, 48, 130)] { for narrowWeights in [false, true] {
            let w = Self.weights(n * k, narrow: narrowWeights, rng: &rng)
            var packed = [Int8](repeating: 0, count: clipz_i8_packed_bytes(Int32(n), Int32(k)))
            var colsum = [Int32](repeating: 0, count: n)
            let narrow = clipz_i8_pack(w, Int32(n), Int32(k), &packed, &colsum)
            XCTAssertEqual(narrow, narrowWeights ? 1 : 0)
            let kp = (k + 3) / 4 * 4
            let x = (0..<(m * k)).map { _ in rng.nextGaussian() }
            var xq = [Int8](repeating: 0, count: m * kp), sx = [Float](repeating: 0, count: m)
            clipz_quantize_rows(x, Int32(m), Int32(k), &xq, &sx)
            var xu = [UInt8](repeating: 0, count: xq.count)
            xq.withUnsafeBytes { clipz_i8_offset($0.bindMemory(to: UInt8.self).baseAddress, &xu, xq.count) }
            XCTAssertEqual(xu.map { Int8(bitPattern: $0 ^ 0x80) }, xq)
            let sw = (0..<n).map { _ in 0.01 + rng.nextFloat() * 0.01 }, bias = (0..<n).map { _ in rng.nextGaussian() }
            for (accumulate, act) in [(Int32(0), CLIPZ_ACT_NONE.rawValue), (1, CLIPZ_ACT_NONE.rawValue), (0, CLIPZ_ACT_QUICK_GELU.rawValue), (0, CLIPZ_ACT_GELU.rawValue)] {
                let start = (0..<(m * n)).map { _ in accumulate != 0 ? rng.nextGaussian() : 0 }
                var signed = start, offset = start
                clipz_i8_gemm(xq, sx, Int32(m), Int32(k), packed, colsum, sw, bias, &signed, Int32(n), Int32(n), 0, Int32(n), accumulate, clipz_act(act))
                clipz_i8_gemm_offset(xu, sx, Int32(m), Int32(k), packed, colsum, narrow, sw, bias, &offset, Int32(n), Int32(n), 0, Int32(n), accumulate, clipz_act(act))
                XCTAssertEqual(offset, signed, "m\(m) n\(n) k\(k) acc \(accumulate) act \(act) narrow \(narrow)")
            }
        } }
    }

    func testExtremeValuesDoNotSaturate() {
        // All activations ±127 against weights ±127: the AVX2 path must not saturate 16-bit pair sums.
        let m = 2, n = 16, k = 256
        let w = [Int8](repeating: -127, count: n * k)
        var packed = [Int8](repeating: 0, count: clipz_i8_packed_bytes(Int32(n), Int32(k)))
        var colsum = [Int32](repeating: 0, count: n)
        clipz_i8_pack(w, Int32(n), Int32(k), &packed, &colsum)
        let xq = [Int8](repeating: -127, count: m * k) + []
        let sx = [Float](repeating: 1, count: m), sw = [Float](repeating: 1, count: n)
        for path in [CLIPZ_I8_PATH_SCALAR] + Self.optimizedPaths {
            var y = [Float](repeating: 0, count: m * n)
            _ = clipz_i8_gemm_path(path, xq, sx, Int32(m), Int32(k), packed, colsum, sw, nil, &y, Int32(n), Int32(n), 0, Int32(n), 0, CLIPZ_ACT_NONE)
            XCTAssertEqual(y[0], Float(127 * 127 * k), "path \(path)")
        }
        // 7-bit weights at both ends of -64...63 against activations at both ends: a u8 × s8 pair reaches
        // ±255·64·2 = ∓32640 (x = 127 is stored as 255), just inside int16.
        for (wv, xv) in [(Int8(-64), Int8(127)), (63, 127), (-64, -127), (63, -127)] {
            let w = [Int8](repeating: wv, count: n * k), xq = [Int8](repeating: xv, count: m * k)
            var packed = [Int8](repeating: 0, count: clipz_i8_packed_bytes(Int32(n), Int32(k)))
            var colsum = [Int32](repeating: 0, count: n)
            XCTAssertEqual(clipz_i8_pack(w, Int32(n), Int32(k), &packed, &colsum), 1)
            for path in [CLIPZ_I8_PATH_SCALAR] + Self.optimizedPaths + Self.narrowPaths {
                var y = [Float](repeating: 0, count: m * n)
                XCTAssertEqual(clipz_i8_gemm_path(path, xq, sx, Int32(m), Int32(k), packed, colsum, sw, nil, &y, Int32(n), Int32(n), 0, Int32(n), 0, CLIPZ_ACT_NONE), 0)
                XCTAssertEqual(y[0], Float(Int(wv) * Int(xv) * k), "path \(path) w \(wv) x \(xv)")
            }
        }
    }
}

final class QuantizeRowsTests: XCTestCase {
    func testDispatchedQuantizationEqualsReference() {
        var rng = SplitMix64(seed: 8)
        for (m, k) in [(1, 1), (3, 15), (5, 16), (7, 769), (4, 3072)] {
            var x = (0..<(m * k)).map { _ in rng.nextGaussian() * 3 }
            if x.count > 4 { x[1] = 0.5 * x[0]; x[2] = 0 }
            let kp = (k + 3) / 4 * 4
            var a = [Int8](repeating: 1, count: m * kp), b = a, sa = [Float](repeating: 0, count: m), sb = sa
            clipz_quantize_rows(x, Int32(m), Int32(k), &a, &sa)
            clipz_quantize_rows_ref(x, Int32(m), Int32(k), &b, &sb)
            XCTAssertEqual(a, b, "m\(m) k\(k)")
            XCTAssertEqual(sa, sb)
            XCTAssertTrue(a.allSatisfy { $0 >= -127 })
        }
    }
}
