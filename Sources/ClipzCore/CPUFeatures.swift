import CClipzKernels

/// CPU features relevant to Clipz kernels.
public struct CPUFeatures: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let avx2 = CPUFeatures(rawValue: 1 << 0), fma = CPUFeatures(rawValue: 1 << 1), f16c = CPUFeatures(rawValue: 1 << 2)
    public static let avx512f = CPUFeatures(rawValue: 1 << 3), avx512bw = CPUFeatures(rawValue: 1 << 4)
    public static let avx512vl = CPUFeatures(rawValue: 1 << 5), avx512dq = CPUFeatures(rawValue: 1 << 6)
    public static let avx512vnni = CPUFeatures(rawValue: 1 << 7), avx512bf16 = CPUFeatures(rawValue: 1 << 8)
    public static let neonDot = CPUFeatures(rawValue: 1 << 9)
    public static var current: CPUFeatures { CPUFeatures(rawValue: clipz_cpu_features()) }

    public var names: [String] {
        let all: [(CPUFeatures, String)] = [(.avx2, "avx2"), (.fma, "fma"), (.f16c, "f16c"), (.avx512f, "avx512f"), (.avx512bw, "avx512bw"),
            (.avx512vl, "avx512vl"), (.avx512dq, "avx512dq"), (.avx512vnni, "avx512vnni"), (.avx512bf16, "avx512bf16"), (.neonDot, "neon-dot")]
        return all.filter { contains($0.0) }.map { $0.1 }
    }
}
