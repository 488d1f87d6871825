import CClipzKernels
import Foundation
import ClipzCore
import XCTest

/// The prepacked fp32 GEMM (AVX-512 12×32 or AVX2 6×16 tiles + fused bias/activation/residual epilogue;
/// CI reaches the AVX2 one with CLIPZ_CPU_DISABLE=avx512) against the
/// plain double-accumulating reference, over shapes on and off every tile edge.
final class PackedGEMMTests: XCTestCase {
    private struct Rng {
        var state: UInt64
        mutating func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(state >> 40) - (1 << 23)) / Float(1 << 23)
        }
    }

    private func packed(_ w: [Float], n: Int, k: Int) -> [Float] {
        var p = [Float](repeating: .nan, count: clipz_f32_packed_floats(Int32(n), Int32(k)))
        clipz_f32_pack(w, Int32(n), Int32(k), &p)
        return p
    }

    func testPackUnpackRoundTripAndZeroPadding() {
        var rng = Rng(state: 1)
        for (n, k) in [(1, 1), (31, 5), (32, 3), (33, 7), (70, 64)] {
            let w = (0..<(n * k)).map { _ in rng.next() }
            let p = packed(w, n: n, k: k)
            XCTAssertEqual(p.count, (n + 31) / 32 * 32 * k)
            var back = [Float](repeating: 0, count: n * k)
            clipz_f32_unpack(p, Int32(n), Int32(k), &back)
            XCTAssertEqual(back, w, "n \(n) k \(k)")
            // Padding columns of the last panel are zeros, never leftovers.
            for kk in 0..<k { for j in (n % 32 == 0 ? 32 : n % 32)..<32 { XCTAssertEqual(p[((n - 1) / 32 * k + kk) * 32 + j], 0) } }
        }
        XCTAssertEqual(clipz_f32_packed_floats(0, 5), 0)
    }

    /// True when the packed kernel has a SIMD path here; otherwise the runtime takes OpenBLAS (checked
    /// against the plain loop by KernelTests.testSgemmMatchesReference) and clipz_f32_gemm_packed would
    /// only run its own reference, so comparing the two would prove nothing.
    private func packedPathRuns() -> Bool {
        let available = clipz_f32_packed_available() != 0
        XCTAssertEqual(available, CPUFeatures.current.contains(.avx512f) || CPUFeatures.current.contains([.avx2, .fma])
                       || CPUFeatures.current.contains(.neon))
        print("fp32 GEMM path on this CPU: \(KernelPaths.fp32GEMM)")
        return available
    }

    func testMatchesReferenceAcrossShapesEpiloguesAndColumnRanges() {
        guard packedPathRuns() else { return }
        var rng = Rng(state: 7)
        let acts = [CLIPZ_ACT_NONE, CLIPZ_ACT_QUICK_GELU, CLIPZ_ACT_GELU, CLIPZ_ACT_GELU_TANH]
        var cases = 0
        for m in [1, 2, 5, 11, 12, 13, 50] {
            for (k, n) in [(1, 1), (7, 17), (64, 32), (100, 33), (48, 70)] {
                let ldx = k + 3, ldy = n + 5
                let x = (0..<(m * ldx)).map { _ in rng.next() * 2 }
                let w = (0..<(n * k)).map { _ in rng.next() }
                let bias = (0..<n).map { _ in rng.next() }
                let p = packed(w, n: n, k: k)
                let initial = (0..<(m * ldy)).map { _ in rng.next() }
                // Whole range, and a slice starting at the second panel (what a second thread runs).
                let ranges = n > 32 ? [(0, n), (32, n)] : [(0, n)]
                for act in acts { for accumulate in [0, 1] { for useBias in [true, false] { for (n0, n1) in ranges {
                    var fast = initial, ref = initial
                    clipz_f32_gemm_packed(x, Int32(m), Int32(k), Int32(ldx), p, useBias ? bias : nil, &fast, Int32(ldy), Int32(n),
                                          Int32(n0), Int32(n1), Int32(accumulate), act)
                    clipz_f32_gemm_packed_ref(x, Int32(m), Int32(k), Int32(ldx), p, useBias ? bias : nil, &ref, Int32(ldy), Int32(n),
                                              Int32(n0), Int32(n1), Int32(accumulate), act)
                    var worst: Float = 0
                    for i in 0..<fast.count { worst = max(worst, abs(fast[i] - ref[i]) / max(1, abs(ref[i]))) }
                    XCTAssertLessThan(worst, 2e-5, "m \(m) k \(k) n \(n) act \(act) acc \(accumulate) range \(n0)..<\(n1)")
                    // Columns outside [n0, n1) and the padding between rows are untouched.
                    for r in 0..<m { for j in 0..<ldy where j < n0 || j >= n1 { XCTAssertEqual(fast[r * ldy + j], initial[r * ldy + j]) } }
                    cases += 1
                } } } }
            }
        }
        XCTAssertEqual(cases, 7 * 4 * 2 * 2 * (3 + 2 * 2))
    }

    /// 16-bit panels (fp16 and bf16): packing round-trips the bits, and the GEMM equals the fp32 kernel on the
    /// widened weights bit for bit (it widens one panel at a time into a buffer and runs that kernel), over the
    /// shapes, epilogues and column ranges above, with K large enough that a thread's buffer is regrown between calls.
    /// Without a packed kernel (CLIPZ_CPU_DISABLE=avx2 in CI) both sides take their plain loops, which must agree too.
    func testHalfPanelsMatchTheF32KernelOnWidenedWeightsExactly() {
        print("fp32 GEMM path on this CPU: \(KernelPaths.fp32GEMM) (openblas-*: the packed entry points take their plain loops)")
        var rng = Rng(state: 11)
        var cases = 0
        for bf16 in [false, true] {
            for m in [1, 5, 13, 50] {
                for (k, n) in [(1, 1), (7, 17), (100, 33), (48, 70), (700, 65)] {
                    let ldx = k + 1, ldy = n + 2
                    let x = (0..<(m * ldx)).map { _ in rng.next() * 2 }
                    var bits = [UInt16](repeating: 0, count: n * k), widened = [Float](repeating: 0, count: n * k)
                    let w = (0..<(n * k)).map { _ in rng.next() }
                    if bf16 { clipz_f32_to_bf16(w, &bits, n * k); clipz_bf16_to_f32(bits, &widened, n * k) }
                    else { clipz_f32_to_f16(w, &bits, n * k); clipz_f16_to_f32(bits, &widened, n * k) }
                    var p16 = [UInt16](repeating: 0xFFFF, count: clipz_f32_packed_floats(Int32(n), Int32(k)))
                    clipz_half_pack(bits, Int32(n), Int32(k), &p16)
                    var back = [UInt16](repeating: 0, count: n * k)
                    clipz_half_unpack(p16, Int32(n), Int32(k), &back)
                    XCTAssertEqual(back, bits, "n \(n) k \(k)")
                    let p32 = packed(widened, n: n, k: k)
                    let bias = (0..<n).map { _ in rng.next() }
                    let initial = (0..<(m * ldy)).map { _ in rng.next() }
                    let ranges = n > 32 ? [(0, n), (32, n)] : [(0, n)]
                    for act in [CLIPZ_ACT_NONE, CLIPZ_ACT_QUICK_GELU, CLIPZ_ACT_GELU] { for accumulate in [0, 1] { for (n0, n1) in ranges {
                        var half = initial, full = initial
                        let gemm = bf16 ? clipz_bf16_gemm_packed : clipz_f16_gemm_packed
                        gemm(x, Int32(m), Int32(k), Int32(ldx), p16, bias, &half, Int32(ldy), Int32(n), Int32(n0), Int32(n1), Int32(accumulate), act)
                        clipz_f32_gemm_packed(x, Int32(m), Int32(k), Int32(ldx), p32, bias, &full, Int32(ldy), Int32(n),
                                              Int32(n0), Int32(n1), Int32(accumulate), act)
                        XCTAssertEqual(half.map(\.bitPattern), full.map(\.bitPattern),
                                       "\(bf16 ? "bf16" : "fp16") m \(m) k \(k) n \(n) act \(act) acc \(accumulate) range \(n0)..<\(n1)")
                        cases += 1
                    } } }
                }
            }
        }
        XCTAssertEqual(cases, 2 * 4 * 3 * 2 * (2 + 3 * 2))
    }

    /// The L2 size the blocking uses: the CPU's own report (glibc's sysconf), else 256 KiB; an override wins
    /// until it is cleared.
    func testL2SizeComesFromTheCPUUnlessSet() {
        let reported = sysconf(Int32(_SC_LEVEL2_CACHE_SIZE))
        XCTAssertEqual(CPUFeatures.l2CacheBytes, reported > 0 ? reported : 256 << 10)
        clipz_set_l2_cache_bytes(12345)
        XCTAssertEqual(CPUFeatures.l2CacheBytes, 12345)
        clipz_set_l2_cache_bytes(0)
        XCTAssertEqual(CPUFeatures.l2CacheBytes, reported > 0 ? reported : 256 << 10)
    }

    /// The x86 kernels run each panel of a GEMM of ≤ 96 rows in k blocks sized to the L2 (clipz_l2_cache_bytes),
    /// keeping the tiles' sums between blocks: results must be the same bits whatever the blocking. A tiny assumed
    /// L2 (64-step blocks; 96 rows fill every tile slot) against one block over all of K, with every epilogue, both
    /// column ranges and the 16-bit path (whose widened panel's blocks prefetch slices of the next 16-bit panel);
    /// 200 rows always take one block.
    func testKBlockingLeavesResultsUnchangedBitForBit() {
        guard packedPathRuns() else { return }
        defer { clipz_set_l2_cache_bytes(0) }
        var rng = Rng(state: 13)
        var cases = 0
        for m in [1, 7, 50, 96, 200] {
            for (k, n) in [(64, 40), (300, 70), (1000, 33)] {
                let ldx = k + 2, ldy = n + 3
                let x = (0..<(m * ldx)).map { _ in rng.next() * 2 }
                let w = (0..<(n * k)).map { _ in rng.next() }
                var bits = [UInt16](repeating: 0, count: n * k)
                clipz_f32_to_f16(w, &bits, n * k)
                var p16 = [UInt16](repeating: 0, count: clipz_f32_packed_floats(Int32(n), Int32(k)))
                clipz_half_pack(bits, Int32(n), Int32(k), &p16)
                let p = packed(w, n: n, k: k)
                let bias = (0..<n).map { _ in rng.next() }
                let initial = (0..<(m * ldy)).map { _ in rng.next() }
                for act in [CLIPZ_ACT_NONE, CLIPZ_ACT_QUICK_GELU, CLIPZ_ACT_GELU_TANH] { for accumulate in [0, 1] where act == CLIPZ_ACT_NONE || accumulate == 0 {
                    for (n0, n1) in [(0, n), (32, n)] { for half in [false, true] {
                        func run(l2: Int) -> [Float] {
                            clipz_set_l2_cache_bytes(l2)
                            var y = initial
                            if half {
                                clipz_f16_gemm_packed(x, Int32(m), Int32(k), Int32(ldx), p16, bias, &y, Int32(ldy), Int32(n), Int32(n0), Int32(n1), Int32(accumulate), act)
                            } else {
                                clipz_f32_gemm_packed(x, Int32(m), Int32(k), Int32(ldx), p, bias, &y, Int32(ldy), Int32(n), Int32(n0), Int32(n1), Int32(accumulate), act)
                            }
                            return y
                        }
                        let blocked = run(l2: 4096), whole = run(l2: 1 << 40)
                        XCTAssertEqual(blocked.map(\.bitPattern), whole.map(\.bitPattern),
                                       "\(half ? "fp16" : "fp32") m \(m) k \(k) n \(n) act \(act) acc \(accumulate) range \(n0)..<\(n1)")
                        cases += 1
                    } }
                } }
            }
        }
        XCTAssertEqual(cases, 5 * 3 * 4 * 2 * 2)
    }

    func testLargeMagnitudesStayFiniteThroughActivations() {
        // QuickGELU / tanh-GELU use exp: very large |x| must saturate, not produce NaN or Inf (the reference
        // too, so this runs on every CPU).
        let k = 1, n = 32, m = 4
        let x: [Float] = [1e4, -1e4, 90, -90]
        let w = [Float](repeating: 1, count: n * k)
        let p = packed(w, n: n, k: k)
        for act in [CLIPZ_ACT_QUICK_GELU, CLIPZ_ACT_GELU_TANH] {
            var y = [Float](repeating: 0, count: m * n)
            clipz_f32_gemm_packed(x, Int32(m), Int32(k), Int32(k), p, nil, &y, Int32(n), Int32(n), 0, Int32(n), 0, act)
            XCTAssertEqual(y[0], 1e4, accuracy: 1e-2); XCTAssertEqual(y[n], 0, accuracy: 1e-6)
            XCTAssertEqual(y[2 * n], 90, accuracy: 1e-3); XCTAssertEqual(y[3 * n], 0, accuracy: 1e-6)
        }
    }
}

final class ForwardCostTests: XCTestCase {
    func testViTB32CountsMatchTheHandCount() {
        let c = SyntheticModel.vitB32Config()
        // Patch GEMM 49·3072·768, 12 blocks × (50 tokens × (4·768² + 2·768·3072) + 2·50²·768), projection 768·512.
        let macs = 49 * 3072 * 768 + 12 * (50 * (4 * 768 * 768 + 2 * 768 * 3072) + 2 * 2500 * 768) + 768 * 512
        XCTAssertEqual(ForwardCost.image(c.vision!, embedDim: c.embedDim), 2 * Double(macs))
        XCTAssertEqual(ForwardCost.image(c.vision!, embedDim: c.embedDim), 8_817_623_040)
        let textMacs = 12 * (16 * (4 * 512 * 512 + 2 * 512 * 2048) + 2 * 256 * 512) + 512 * 512
        XCTAssertEqual(ForwardCost.text(c.text!, tokens: 16, embedDim: c.embedDim), 2 * Double(textMacs))
    }
}
