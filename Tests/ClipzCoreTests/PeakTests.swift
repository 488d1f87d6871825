import CClipzKernels
@testable import ClipzCore
import XCTest

/// `clipz system --peak` / `bench --peak`: which instructions each peak measures on this CPU, and that the
/// figure is one a core can reach (the op counts per loop are right), whatever the host's load.
final class PeakTests: XCTestCase {
    func testEachPeakNamesItsInstructionsAndStaysWithinWhatACoreCanDo() {
        let f = CPUFeatures.current
        #if arch(x86_64)
        let avx2 = f.contains(.avx2) && f.contains(.fma)
        #else
        let avx2 = false
        #endif
        // Upper bounds per core at 6 GHz: fp32 two 512-bit FMA pipes (2 · 16 lanes · 2 flops); int8 two
        // 512-bit VNNI pipes (2 · 64 products · 2 ops). A wrong op count per loop iteration lands far outside.
        for (kind, bound) in [(CPUFeatures.PeakKind.fp32FMA, 6.0 * 2 * 16 * 2), (.int8, 6.0 * 2 * 64 * 2), (.int8Narrow, 6.0 * 2 * 64 * 2)] {
            let gops = clipz_peak_gops(kind.code, 0.05), name = kind.instructions
            guard avx2 else {
                XCTAssertEqual(gops, 0, "\(kind)")
                XCTAssertEqual(name, "", "\(kind)")
                continue
            }
            XCTAssertGreaterThan(gops, 1, "\(kind) \(name)")
            XCTAssertLessThan(gops, bound, "\(kind) \(name)")
            let wide = f.contains(.avx512f)
            switch kind {
            case .fp32FMA: XCTAssertEqual(name, wide ? "AVX-512 FMA" : "AVX2 FMA")
            case .int8: XCTAssertEqual(name, f.contains(.avx512vnni) && f.contains(.avx512bw) && wide ? "AVX-512 VNNI" : "AVX2 vpmaddubsw")
            case .int8Narrow:
                XCTAssertEqual(name, f.contains(.avx512vnni) && f.contains(.avx512bw) && wide ? "AVX-512 VNNI" : "AVX2 vpmaddubsw, 7-bit weights")
            }
        }
    }
}
