import CClipzKernels
import Foundation

/// CPU features relevant to Clipz kernels.
public struct CPUFeatures: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let avx2 = CPUFeatures(rawValue: 1 << 0), fma = CPUFeatures(rawValue: 1 << 1), f16c = CPUFeatures(rawValue: 1 << 2)
    public static let avx512f = CPUFeatures(rawValue: 1 << 3), avx512bw = CPUFeatures(rawValue: 1 << 4)
    public static let avx512vl = CPUFeatures(rawValue: 1 << 5), avx512dq = CPUFeatures(rawValue: 1 << 6)
    public static let avx512vnni = CPUFeatures(rawValue: 1 << 7), avx512bf16 = CPUFeatures(rawValue: 1 << 8)
    public static let neonDot = CPUFeatures(rawValue: 1 << 9), sha = CPUFeatures(rawValue: 1 << 10)
    public static let neon = CPUFeatures(rawValue: 1 << 11), neonI8mm = CPUFeatures(rawValue: 1 << 12)
    public static var current: CPUFeatures { CPUFeatures(rawValue: clipz_cpu_features()) }

    public var names: [String] {
        let all: [(CPUFeatures, String)] = [(.avx2, "avx2"), (.fma, "fma"), (.f16c, "f16c"), (.avx512f, "avx512f"), (.avx512bw, "avx512bw"),
            (.avx512vl, "avx512vl"), (.avx512dq, "avx512dq"), (.avx512vnni, "avx512vnni"), (.avx512bf16, "avx512bf16"), (.neon, "neon"), (.neonDot, "neon-dot"), (.neonI8mm, "neon-i8mm"), (.sha, "sha")]
        return all.filter { contains($0.0) }.map { $0.1 }
    }

    /// What `peakGOPS` measures, with the widest instructions the kernels use on this CPU.
    public enum PeakKind: Sendable {
        /// fp32 FMA (AVX-512, else AVX2), in GFLOP/s (2 flops per lane).
        case fp32FMA
        /// int8 (AVX-512 VNNI, else the AVX2 kernel's vpmaddubsw sequence), in GOP/s (2 ops per product).
        case int8
        /// int8 with 7-bit weights (`--weight-bits 7`): VNNI, else AVX2's shorter sequence.
        case int8Narrow

        var code: clipz_peak_kind {
            switch self { case .fp32FMA: return CLIPZ_PEAK_F32_FMA; case .int8: return CLIPZ_PEAK_I8; case .int8Narrow: return CLIPZ_PEAK_I8_NARROW }
        }
        /// The instructions measured on this CPU ("AVX-512 FMA", "AVX2 FMA", "AVX-512 VNNI", "AVX2 vpmaddubsw",
        /// "AVX2 vpmaddubsw, 7-bit weights"), "" when none.
        public var instructions: String { String(cString: clipz_peak_name(code)) }
    }

    /// The per-core L2 size the packed fp32 kernels size their k blocks for (what the CPU reports, else 256 KiB).
    public static var l2CacheBytes: Int { Int(clipz_l2_cache_bytes()) }

    /// Whether packed weights of 4 MiB and more ask for transparent huge pages (not with CLIPZ_HUGE_PAGES=0), and
    /// the kernel's THP mode (`always`, `madvise`, `never`; nil where it does not say).
    public static var hugePagesForWeights: (requested: Bool, mode: String?) {
        let text = try? String(contentsOfFile: "/sys/kernel/mm/transparent_hugepage/enabled", encoding: .utf8)
        let mode = text.flatMap { t in t.split(separator: " ").first { $0.hasPrefix("[") }.map { String($0.dropFirst().prefix { $0 != "]" }) } }
        return (clipz_weights_huge_pages() != 0, mode)
    }

    /// Peak throughput of `threads` busy threads (one per core), each measured for about 0.4 s and
    /// summed: `clipz bench` GFLOP/s divided by it is the fraction of the machine a model uses.
    /// 0 when the CPU has neither instruction set.
    public static func peakGOPS(_ kind: PeakKind, threads: Int) -> Double {
        let code = kind.code
        let total = PeakSum()
        DispatchQueue.concurrentPerform(iterations: max(1, threads)) { _ in total.add(clipz_peak_gops(code, 0.4)) }
        return total.value
    }
}

/// A lock-protected sum the measuring threads add to.
private final class PeakSum: @unchecked Sendable {
    private let lock = NSLock()
    private var sum = 0.0
    func add(_ x: Double) {
        lock.lock()
        sum += x
        lock.unlock()
    }
    var value: Double {
        lock.lock()
        defer { lock.unlock() }
        return sum
    }
}
