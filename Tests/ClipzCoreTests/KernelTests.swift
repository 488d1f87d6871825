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

    /// FIPS 180-2 vectors through the streaming API in uneven pieces: the SHA-NI path where the CPU has it
    /// (CI repeats this with CLIPZ_CPU_DISABLE=sha for the portable rounds).
    func testSHA256FIPSVectorsInPieces() {
        print("sha256 path: \(CPUFeatures.current.contains(.sha) ? "sha-ni" : "portable")")
        let two = (0..<14).flatMap { i in (0..<4).map { UInt8(97 + i + $0) } }  // "abcdbcdecdef…nopq", 448 bits
        let million = [UInt8](repeating: 0x61, count: 1_000_000)
        for (input, want) in [(two, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
                              (million, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")] {
            for piece in [1, 7, 64, 65, 4096, input.count] {
                var h = SHA256()
                var i = 0
                while i < input.count { h.update(Array(input[i..<min(i + piece, input.count)])); i += piece }
                XCTAssertEqual(h.finalizeHex(), want, "pieces of \(piece)")
            }
        }
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

    /// Few-row GEMMs take Clipz's own path (no OpenBLAS packing); checked against the plain loop.
    func testSmallRowSgemmMatchesReference() {
        var rng = SplitMix64(seed: 13)
        for (m, n, k) in [(1, 7, 64), (3, 33, 100), (16, 48, 512), (5, 2048, 77), (16, 1, 3072)] {
            let a = (0..<(m * k)).map { _ in rng.nextGaussian() }, b = (0..<(n * k)).map { _ in rng.nextGaussian() }
            for beta: Float in [0, 0.5] {
                var c = (0..<(m * n)).map { _ in rng.nextGaussian() }, r = c
                clipz_sgemm(1, Int32(m), Int32(n), Int32(k), 0.75, a, Int32(k), b, Int32(k), beta, &c, Int32(n))
                clipz_sgemm_ref(1, Int32(m), Int32(n), Int32(k), 0.75, a, Int32(k), b, Int32(k), beta, &r, Int32(n))
                let maxDiff = zip(c, r).map { abs($0 - $1) }.max() ?? 0
                XCTAssertLessThan(maxDiff, 1e-3, "m\(m) n\(n) k\(k) beta \(beta)")
            }
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

final class BytePlaneTests: XCTestCase {
    func testPlanesRoundTripAndSIMDMatchesReference() {
        var rng = SplitMix64(seed: 99)
        for w in [1, 2, 4, 8] {
            for n in [0, 1, 15, 16, 17, 100, 1029] {
                let src = (0..<(n * w)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                var planes = [UInt8](repeating: 0, count: src.count), back = planes, ref = planes
                clipz_bytes_to_planes(src, &planes, n, w)
                clipz_planes_to_bytes(planes, &back, n, w)
                clipz_planes_to_bytes_ref(planes, &ref, n, w)
                XCTAssertEqual(back, src, "w\(w) n\(n)")
                XCTAssertEqual(ref, src, "w\(w) n\(n)")
                if n > 1 && w > 1 { XCTAssertEqual(planes[1], src[w], "plane 0 holds byte 0 of element 1") }
            }
        }
    }
}

final class OpsKernelTests: XCTestCase {
    func testFastExpMatchesLibm() {
        let xs = stride(from: -80.0 as Float, through: 80, by: 0.0137).map { $0 }
        var y = [Float](repeating: 0, count: xs.count)
        clipz_vexp(xs, &y, xs.count)
        var worst: Double = 0
        for (x, v) in zip(xs, y) { worst = max(worst, abs(Double(v) - exp(Double(x))) / exp(Double(x))) }
        XCTAssertLessThan(worst, 1e-6, "max relative error \(worst)")
    }

    func testActivationsAndLayerNormMatchPlainFormulas() {
        print("elementwise kernels on this CPU: \(KernelPaths.elementwise)")
        var rng = SplitMix64(seed: 4)
        let x = (0..<1000).map { _ in rng.nextGaussian() * 4 }
        for kind: Int32 in [0, 1, 2] {
            var y = x
            clipz_activation(&y, y.count, clipz_act(kind))
            for (a, b) in zip(x, y) {
                let d = Double(a)
                let ref: Double
                switch kind {
                case 0: ref = d / (1 + exp(-1.702 * d))
                case 1: ref = 0.5 * d * (1 + erf(d / 2.0.squareRoot()))
                default: ref = 0.5 * d * (1 + tanh(0.7978845608028654 * (d + 0.044715 * d * d * d)))
                }
                XCTAssertEqual(Double(b), ref, accuracy: 1e-5 * max(1, abs(ref)), "kind \(kind) x \(a)")
            }
        }
        let w = 37, rows = 3
        let g = (0..<w).map { _ in rng.nextGaussian() }, bta = (0..<w).map { _ in rng.nextGaussian() }
        var out = [Float](repeating: 0, count: rows * w)
        let inp = Array(x[0..<(rows * w)])
        clipz_layernorm(inp, &out, Int32(rows), Int32(w), g, bta, 1e-5)
        for r in 0..<rows {
            let row = inp[(r * w)..<((r + 1) * w)].map(Double.init)
            let mean = row.reduce(0, +) / Double(w), v = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(w)
            for i in 0..<w { XCTAssertEqual(Double(out[r * w + i]), (row[i] - mean) / (v + 1e-5).squareRoot() * Double(g[i]) + Double(bta[i]), accuracy: 1e-4) }
        }
    }

    /// LayerNorm fused with the int8 quantization of its output (the q/k/v and fc1 inputs): y bit for bit as
    /// clipz_layernorm, bytes and scales as the plain reference clipz_quantize_rows_ref (per-row scales) or the
    /// static formula, then the x + 128 flip; widths with and without padding to 4, an all-zero row (scale 1).
    func testLayerNormQuantizeMatchesSeparatePasses() {
        var rng = SplitMix64(seed: 12)
        for w in [37, 64, 768] {
            let rows = 5, kp = (w + 3) / 4 * 4
            let x = (0..<(rows * w)).map { _ in rng.nextGaussian() * 3 + 0.5 }
            var g = (0..<w).map { _ in rng.nextGaussian() }, b = (0..<w).map { _ in rng.nextGaussian() * 0.1 }
            if w == 64 { g = [Float](repeating: 0, count: w); b = g }   // every row normalizes to zeros
            var ln = [Float](repeating: 0, count: rows * w)
            clipz_layernorm(x, &ln, Int32(rows), Int32(w), g, b, 1e-6)
            var refQ = [Int8](repeating: 0, count: rows * kp), refScales = [Float](repeating: 0, count: rows)
            clipz_quantize_rows_ref(ln, Int32(rows), Int32(w), &refQ, &refScales)
            for staticScale: Float in [0, 0.021] {
                var expectQ = refQ, expectScales = refScales
                if staticScale > 0 {
                    let inv = 1 / staticScale
                    for r in 0..<rows {
                        expectScales[r] = staticScale
                        for i in 0..<w { expectQ[r * kp + i] = Int8(min(127, max(-127, ln[r * w + i] * inv)).rounded(.toNearestOrEven)) }
                    }
                }
                for offset: Int32 in [0, 1] {
                    var y = [Float](repeating: .nan, count: rows * w), q = [Int8](repeating: 99, count: rows * kp)
                    var scales = [Float](repeating: .nan, count: rows)
                    clipz_layernorm_quantize_rows(x, &y, Int32(rows), Int32(w), g, b, 1e-6, staticScale, offset, &q, &scales)
                    let name = "w \(w) static \(staticScale) offset \(offset)"
                    XCTAssertEqual(y.map(\.bitPattern), ln.map(\.bitPattern), name)
                    XCTAssertEqual(scales, expectScales, name)
                    XCTAssertEqual(q.map { UInt8(bitPattern: $0) }, expectQ.map { UInt8(bitPattern: $0) ^ (offset == 1 ? 0x80 : 0) }, name)
                }
            }
        }
    }
}

final class AttentionKernelTests: XCTestCase {
    /// One head in double precision: softmax(q·kᵀ [causal]) · v, rows of hd values at stride ld.
    private func naiveAttention(_ q: [Float], _ k: [Float], _ v: [Float], seq: Int, hd: Int, ld: Int, causal: Bool) -> [Double] {
        var out = [Double](repeating: 0, count: seq * hd)
        for i in 0..<seq {
            let n = causal ? i + 1 : seq
            var s = [Double](repeating: 0, count: n)
            for j in 0..<n { for c in 0..<hd { s[j] += Double(q[i * ld + c]) * Double(k[j * ld + c]) } }
            let m = s.max() ?? 0, e = s.map { exp($0 - m) }, z = e.reduce(0, +)
            for j in 0..<n { for c in 0..<hd { out[i * hd + c] += e[j] / z * Double(v[j * ld + c]) } }
        }
        return out
    }

    /// The tiled kernel (AVX-512, where 80 splits P·V into 64 + 16 channels, or AVX2 on CPUs without AVX-512; hd 8, 20,
    /// 24, 72 end in masked channels: 8, 4, 8, 8; the generic C loop without AVX2) against a plain
    /// softmax(q·kᵀ)·v: sequence lengths around the 16-key tile and the 6-query blocks, causal on and off,
    /// padded and tight row strides; output columns past hd and rows past seq must stay untouched.
    func testAttentionHeadMatchesNaive() {
        var rng = SplitMix64(seed: 21)
        var worst = 0.0
        for seq in [1, 2, 15, 16, 17, 50, 77] {
            for hd in [8, 16, 20, 24, 64, 72, 80, 128] {
                for causal in [false, true] {
                    // Strides like the fused q/k/v buffer (3·width, here also odd so rows are unaligned) or tight.
                    let ld = (seq + hd) % 2 == 0 ? hd * 3 + 5 : hd, ldo = causal ? hd + 3 : hd
                    // q is pre-scaled by 1/sqrt(hd) as in the model; scores then have a spread of about 2.
                    let qs = 2 / Float(hd).squareRoot()
                    let q = (0..<(seq * ld)).map { _ in rng.nextGaussian() * qs }
                    let k = (0..<(seq * ld)).map { _ in rng.nextGaussian() }
                    let v = (0..<(seq * ld)).map { _ in rng.nextGaussian() }
                    let pad = 32
                    var out = [Float](repeating: .nan, count: seq * ldo + pad)
                    var scratch = [Float](repeating: .nan, count: (seq + hd) * ((seq + 15) / 16 * 16))
                    clipz_attention_head(q, k, v, &out, Int32(seq), Int32(hd), Int32(ld), Int32(ldo), &scratch, causal ? 1 : 0, 1)
                    let ref = naiveAttention(q, k, v, seq: seq, hd: hd, ld: ld, causal: causal)
                    var err = 0.0, untouched = true
                    for i in 0..<seq {
                        for c in 0..<hd { err = max(err, abs(Double(out[i * ldo + c]) - ref[i * hd + c]) / (1 + abs(ref[i * hd + c]))) }
                        for c in hd..<ldo where !out[i * ldo + c].isNaN { untouched = false }
                    }
                    for x in out[(seq * ldo)...] where !x.isNaN { untouched = false }
                    let name = "seq \(seq) hd \(hd) ld \(ld) causal \(causal)"
                    XCTAssertLessThanOrEqual(err, 1e-5, name)
                    XCTAssertTrue(untouched, "wrote outside the output rows: \(name)")
                    worst = max(worst, err)
                }
            }
        }
        print("attention (\(KernelPaths.attention)): worst relative error \(worst)")
    }

    /// The bf16 attention (int8 models) against its plain reference, which rounds the same values to bf16 and sums
    /// in double: shapes around the 16-key tile, the 6-query block and the 32-channel packing (hd 16, 80), head
    /// sizes whose last channels are masked (20, 24, 72: So400m), causal on and off, padded strides, a scale that
    /// is not a power of two. Its error against exact fp32 attention must be far larger than against the reference
    /// (the bf16 path really ran). Without AVX512_BF16 (or with CLIPZ_CPU_DISABLE=bf16), for odd head sizes (9) and
    /// heads under 16 channels (8) it must return the fp32 kernel's result bit for bit.
    func testAttentionHeadBF16MatchesReference() {
        var rng = SplitMix64(seed: 23)
        let bf16 = clipz_attention_bf16_available() != 0
        var worst = 0.0, worstExact = 0.0
        for seq in [1, 2, 15, 16, 17, 50, 77, 196] {
            for hd in [8, 9, 16, 20, 24, 64, 72, 80] {
                for causal in [false, true] {
                    let ld = (seq + hd) % 2 == 0 ? hd * 3 + 5 : hd, ldo = causal ? hd + 3 : hd
                    let scale: Float = 0.3 / Float(hd).squareRoot() * 3
                    let q = (0..<(seq * ld)).map { _ in rng.nextGaussian() * 2 }
                    let k = (0..<(seq * ld)).map { _ in rng.nextGaussian() }
                    let v = (0..<(seq * ld)).map { _ in rng.nextGaussian() }
                    let pad = 32
                    var out = [Float](repeating: .nan, count: seq * ldo + pad)
                    var scratch = [Float](repeating: .nan, count: clipz_attention_scratch_floats(Int32(seq), Int32(hd)))
                    clipz_attention_head_bf16(q, k, v, &out, Int32(seq), Int32(hd), Int32(ld), Int32(ldo), &scratch, causal ? 1 : 0, scale)
                    let name = "seq \(seq) hd \(hd) ld \(ld) causal \(causal)"
                    var untouched = true
                    for i in 0..<seq { for c in hd..<ldo where !out[i * ldo + c].isNaN { untouched = false } }
                    for x in out[(seq * ldo)...] where !x.isNaN { untouched = false }
                    XCTAssertTrue(untouched, "wrote outside the output rows: \(name)")
                    if !bf16 || hd % 2 != 0 || hd < 16 {
                        var fp32 = [Float](repeating: .nan, count: seq * ldo + pad)
                        clipz_attention_head(q, k, v, &fp32, Int32(seq), Int32(hd), Int32(ld), Int32(ldo), &scratch, causal ? 1 : 0, scale)
                        XCTAssertEqual(out.map(\.bitPattern), fp32.map(\.bitPattern), "fp32 fallback: \(name)")
                        continue
                    }
                    var ref = [Float](repeating: 0, count: seq * hd)
                    clipz_attention_head_bf16_ref(q, k, v, &ref, Int32(seq), Int32(hd), Int32(ld), Int32(hd), causal ? 1 : 0, scale)
                    let exact = naiveAttention(q, k.map { $0 * scale }, v, seq: seq, hd: hd, ld: ld, causal: causal)
                    // The kernel's fp32 scores differ from the reference's double ones in the last bits, so now and
                    // then a weight rounds to the neighbouring bf16 (2^-8 relative): bound the largest error by
                    // that, and the mean error tightly (it stays near fp32 rounding).
                    var err = 0.0, sum = 0.0, sumExact = 0.0
                    for i in 0..<seq {
                        for c in 0..<hd {
                            let o = Double(out[i * ldo + c]), r = Double(ref[i * hd + c])
                            err = max(err, abs(o - r) / (1 + abs(r)))
                            sum += abs(o - r)
                            sumExact += abs(o - exact[i * hd + c])
                        }
                    }
                    let mean = sum / Double(seq * hd), meanExact = sumExact / Double(seq * hd)
                    XCTAssertLessThanOrEqual(err, 2e-3, name)
                    XCTAssertLessThanOrEqual(mean, 1e-5, name)
                    if seq > 1 { XCTAssertGreaterThan(meanExact, 10 * mean, "no bf16 rounding seen: \(name)") }
                    worst = max(worst, mean)
                    worstExact = max(worstExact, meanExact)
                }
            }
        }
        print("bf16 attention (\(KernelPaths.attentionInt8)): worst mean error \(worst) against its reference, \(worstExact) against fp32")
    }

    /// The scale folded into the keys equals pre-scaling q: bit for bit for power-of-two scales (CLIP's
    /// 1/sqrt(64) = 1/8), within rounding otherwise; on both the AVX-512 (hd 64) and generic (hd 24) paths.
    func testAttentionHeadScaleEqualsPrescaledQueries() {
        var rng = SplitMix64(seed: 9)
        for (hd, scale, exact) in [(64, Float(0.125), true), (24, 1 / Float(24).squareRoot(), false)] {
            for causal in [false, true] {
                let seq = 50, ld = 3 * hd
                let q = (0..<(seq * ld)).map { _ in rng.nextGaussian() }
                let k = (0..<(seq * ld)).map { _ in rng.nextGaussian() }
                let v = (0..<(seq * ld)).map { _ in rng.nextGaussian() }
                var scratch = [Float](repeating: 0, count: (seq + hd) * 64)
                var folded = [Float](repeating: .nan, count: seq * hd), prescaled = folded
                clipz_attention_head(q, k, v, &folded, Int32(seq), Int32(hd), Int32(ld), Int32(hd), &scratch, causal ? 1 : 0, scale)
                clipz_attention_head(q.map { $0 * scale }, k, v, &prescaled, Int32(seq), Int32(hd), Int32(ld), Int32(hd), &scratch, causal ? 1 : 0, 1)
                if exact { XCTAssertEqual(folded, prescaled, "hd \(hd) causal \(causal)") }
                for i in 0..<folded.count { XCTAssertEqual(folded[i], prescaled[i], accuracy: 1e-5) }
            }
        }
    }

    /// Scores far beyond exp's range (spread ~60): the row max must be subtracted before exp, or rows
    /// overflow to inf/NaN. The causal first row has one key, so its output is exactly v[0].
    func testAttentionHeadLargeScoresStayFinite() {
        var rng = SplitMix64(seed: 5)
        let seq = 50, hd = 64, ld = 2304, ldo = 768
        let q = (0..<(seq * ld)).map { _ in rng.nextGaussian() * 60 / Float(hd).squareRoot() }
        let k = (0..<(seq * ld)).map { _ in rng.nextGaussian() }
        let v = (0..<(seq * ld)).map { _ in rng.nextGaussian() }
        for causal in [false, true] {
            var out = [Float](repeating: .nan, count: seq * ldo)
            var scratch = [Float](repeating: 0, count: (seq + hd) * 64)
            clipz_attention_head(q, k, v, &out, Int32(seq), Int32(hd), Int32(ld), Int32(ldo), &scratch, causal ? 1 : 0, 1)
            let ref = naiveAttention(q, k, v, seq: seq, hd: hd, ld: ld, causal: causal)
            var err = 0.0
            for i in 0..<seq { for c in 0..<hd { err = max(err, abs(Double(out[i * ldo + c]) - ref[i * hd + c])) } }
            XCTAssertLessThanOrEqual(err, 1e-4, "causal \(causal)")
            if causal { for c in 0..<hd { XCTAssertEqual(out[c], v[c], accuracy: 1e-6) } }
        }
    }
}

final class FiniteTests: XCTestCase {
    func testAllFiniteOnBitPatterns() throws {
        let ok = try Tensor(name: "a", shape: [3], floats: [1, -65504, 1e-30])
        XCTAssertTrue(ok.allFinite)
        for bad: Float in [.nan, .infinity, -.infinity] {
            let t = try Tensor(name: "b", shape: [3], floats: [1, bad, 2])
            XCTAssertFalse(t.allFinite)
            XCTAssertFalse(try t.converted(to: .f16).allFinite)
            XCTAssertFalse(try t.converted(to: .bf16).allFinite)
        }
        XCTAssertTrue(try ok.converted(to: .bf16).allFinite)
        XCTAssertTrue(try Tensor(name: "i", dtype: .i32, shape: [1], bytes: [0, 0, 0x80, 0x7F]).allFinite)
    }
}
