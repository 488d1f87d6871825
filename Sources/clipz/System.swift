import ArgumentParser
import ClipzCore
import Foundation

struct System: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show CPU features and the kernels Clipz will use for each kind of work.",
        discussion: """
            The kernels follow the CPU's features (CLIPZ_CPU_DISABLE=avx512, avx2, bf16, ... hides some, to run \
            the lower paths). Clipz loads OpenBLAS itself and, unless OPENBLAS_CORETYPE is already set, exports the best core type \
            this CPU can run (SkylakeX/Cooperlake with AVX-512, Haswell with AVX2) before the library starts, \
            because Debian's OpenBLAS 0.3.21 falls back to slow 'Prescott' kernels on CPUs it does not know. \
            Packed weights of 4 MiB and more ask Linux for transparent huge pages (fewer TLB misses while a forward \
            pass streams them; CLIPZ_HUGE_PAGES=0 turns that off).
            """)
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Measure the peak fp32 FMA and int8 throughput of all cores with the instructions the kernels use here (about 1 s); `clipz bench` GFLOP/s divided by it is the fraction of the machine a model uses.")
    var peak = false

    func run() throws {
        let err = BLAS.load()
        let huge = CPUFeatures.hugePagesForWeights
        var info: [String: Any] = [
            "clipz_version": clipzVersion,
            "cpu_features": CPUFeatures.current.names,
            "openblas_loaded": err == nil,
            "openblas_core": BLAS.coreName,
            "openblas_core_chosen_by_clipz": BLAS.chosenCore ?? NSNull(),
            "openblas_core_set_by_user": BLAS.userSetCore,
            "threads": ProcessInfo.processInfo.activeProcessorCount,
            "l2_cache_bytes": CPUFeatures.l2CacheBytes,
            "weights_huge_pages": huge.requested,
            "transparent_hugepage_mode": huge.mode ?? NSNull(),
            "kernels": Dictionary(uniqueKeysWithValues: KernelPaths.all),
        ]
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let fp32Name = CPUFeatures.PeakKind.fp32FMA.instructions, int8Name = CPUFeatures.PeakKind.int8.instructions
        // 7-bit weights have a peak of their own only where they take another instruction sequence (AVX2).
        let narrowName = CPUFeatures.PeakKind.int8Narrow.instructions
        let peaks = peak ? (fp32: CPUFeatures.peakGOPS(.fp32FMA, threads: cores), int8: CPUFeatures.peakGOPS(.int8, threads: cores),
                            narrow: narrowName != int8Name ? CPUFeatures.peakGOPS(.int8Narrow, threads: cores) : nil) : nil
        if let peaks {
            info["peak_fp32_gflops"] = peaks.fp32; info["peak_int8_gops"] = peaks.int8
            info["peak_fp32_instructions"] = fp32Name; info["peak_int8_instructions"] = int8Name
            if let n = peaks.narrow { info["peak_int8_7bit_gops"] = n; info["peak_int8_7bit_instructions"] = narrowName }
        }
        if json { try Output.json(info); return }
        print("clipz \(clipzVersion)")
        print("cpu features: \(CPUFeatures.current.names.joined(separator: " "))")
        if let err { print("OpenBLAS: not loaded: \(err)") } else {
            let why = BLAS.userSetCore ? "set by OPENBLAS_CORETYPE" : (BLAS.chosenCore != nil ? "chosen by clipz from CPU features" : "OpenBLAS's own detection")
            print("OpenBLAS core: \(BLAS.coreName) (\(why))")
        }
        print("kernels: \(KernelPaths.summary)")
        print("L2 per core: \(formatBytes(CPUFeatures.l2CacheBytes)) (the fp32 GEMM sizes its k blocks for it)")
        print("huge pages: " + (huge.requested ? "weights of 4 MiB and more ask for them" : "not asked for (CLIPZ_HUGE_PAGES=0)")
              + " (kernel THP mode: \(huge.mode ?? "unknown"))")
        if KernelPaths.int8GEMM == "avx2" {
            // The shorter sequence is faster only on cores with two ports for vpmaddubsw / vpmaddwd (Skylake-class
            // Intel and later, Zen 4); on Haswell and Zen 2 both forms take the one port (Tools/kernels/mca_loops.py).
            print("int8: no VNNI here; models quantized with `clipz quantize --type int8 --weight-bits 7` take a shorter AVX2 "
                  + "sequence, faster where the core has two vpmaddubsw ports (`clipz system --peak` measures both here)")
        }
        if let peaks {
            print(peaks.fp32 > 0 ? String(format: "peak fp32 (%@): %.1f GFLOP/s on %d threads", fp32Name, peaks.fp32, cores) : "peak fp32: no AVX2 or AVX-512")
            print(peaks.int8 > 0 ? String(format: "peak int8 (%@): %.1f GOP/s on %d threads", int8Name, peaks.int8, cores) : "peak int8: no AVX2 or AVX-512 VNNI")
            if let n = peaks.narrow {
                print(String(format: "peak int8 (%@): %.1f GOP/s on %d threads", narrowName, n, cores)
                      + (peaks.int8 > 0 ? String(format: ", %.2f× the 8-bit sequence", n / peaks.int8) : ""))
            }
        }
    }
}
