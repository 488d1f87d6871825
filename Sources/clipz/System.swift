import ArgumentParser
import CClipzKernels
import ClipzCore
import Foundation

struct System: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show CPU features and the OpenBLAS kernels Clipz will use.",
        discussion: """
            Clipz loads OpenBLAS itself and, unless OPENBLAS_CORETYPE is already set, exports the best core type
            this CPU can run (SkylakeX/Cooperlake with AVX-512, Haswell with AVX2) before the library starts,
            because Debian's OpenBLAS 0.3.21 falls back to slow 'Prescott' kernels on CPUs it does not know.
            """)
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Measure the peak fp32 FMA and int8 throughput of all cores with the instructions the kernels use here (about 1 s); `clipz bench` GFLOP/s divided by it is the fraction of the machine a model uses.")
    var peak = false

    func run() throws {
        let err = BLAS.load()
        var info: [String: Any] = [
            "clipz_version": clipzVersion,
            "cpu_features": CPUFeatures.current.names,
            "openblas_loaded": err == nil,
            "openblas_core": BLAS.coreName,
            "openblas_core_chosen_by_clipz": BLAS.chosenCore ?? NSNull(),
            "openblas_core_set_by_user": BLAS.userSetCore,
            "threads": ProcessInfo.processInfo.activeProcessorCount,
            "kernels": Dictionary(uniqueKeysWithValues: KernelPaths.all),
        ]
        let peaks = peak ? (fp32: measurePeak(kind: 0), int8: measurePeak(kind: 1)) : nil
        if let peaks {
            info["peak_fp32_gflops"] = peaks.fp32; info["peak_int8_gops"] = peaks.int8
            info["peak_fp32_instructions"] = String(cString: clipz_peak_name(0)); info["peak_int8_instructions"] = String(cString: clipz_peak_name(1))
        }
        if json { try Output.json(info); return }
        print("clipz \(clipzVersion)")
        print("cpu features: \(CPUFeatures.current.names.joined(separator: " "))")
        if let err { print("OpenBLAS: not loaded: \(err)") } else {
            let why = BLAS.userSetCore ? "set by OPENBLAS_CORETYPE" : (BLAS.chosenCore != nil ? "chosen by clipz from CPU features" : "OpenBLAS's own detection")
            print("OpenBLAS core: \(BLAS.coreName) (\(why))")
        }
        print("kernels: \(KernelPaths.summary)")
        if let peaks {
            let n = ProcessInfo.processInfo.activeProcessorCount
            let fp32 = String(cString: clipz_peak_name(0)), int8 = String(cString: clipz_peak_name(1))
            print(peaks.fp32 > 0 ? String(format: "peak fp32 (%@): %.1f GFLOP/s on %d threads", fp32, peaks.fp32, n) : "peak fp32: no AVX2 or AVX-512")
            print(peaks.int8 > 0 ? String(format: "peak int8 (%@): %.1f GOP/s on %d threads", int8, peaks.int8, n) : "peak int8: no AVX2 or AVX-512 VNNI")
        }
    }

    /// Sum over one busy thread per core of clipz_peak_gops.
    func measurePeak(kind: Int32) -> Double {
        let n = ProcessInfo.processInfo.activeProcessorCount
        let results = UnsafeMutableBufferPointer<Double>.allocate(capacity: n)
        defer { results.deallocate() }
        let base = Int(bitPattern: results.baseAddress)
        DispatchQueue.concurrentPerform(iterations: n) { i in
            UnsafeMutablePointer<Double>(bitPattern: base)![i] = clipz_peak_gops(kind, 0.4)
        }
        return results.reduce(0, +)
    }
}

struct Synthesize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synthesize",
        abstract: "Write a .clipz with seeded random weights (for benchmarks and tests).",
        shouldDisplay: false)
    @Option(help: "tiny | vit-b-32") var shape = "tiny"
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(name: .shortAndLong, help: "Output .clipz.") var output: String
    @Flag(help: "Replace an existing output.") var force = false

    func run() throws {
        let config: ModelConfig
        switch shape {
        case "tiny": config = SyntheticModel.tinyConfig()
        case "vit-b-32": config = SyntheticModel.vitB32Config()
        default: throw ValidationError("unknown --shape '\(shape)' (tiny, vit-b-32)")
        }
        try writeModel(SyntheticModel.make(config: config, seed: seed), to: output, force: force, quiet: false)
    }
}
