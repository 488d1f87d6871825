import ArgumentParser
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

    func run() throws {
        let err = BLAS.load()
        let info: [String: Any] = [
            "clipz_version": clipzVersion,
            "cpu_features": CPUFeatures.current.names,
            "openblas_loaded": err == nil,
            "openblas_core": BLAS.coreName,
            "openblas_core_chosen_by_clipz": BLAS.chosenCore ?? NSNull(),
            "openblas_core_set_by_user": BLAS.userSetCore,
            "threads": ProcessInfo.processInfo.activeProcessorCount,
        ]
        if json { try Output.json(info); return }
        print("clipz \(clipzVersion)")
        print("cpu features: \(CPUFeatures.current.names.joined(separator: " "))")
        if let err { print("OpenBLAS: not loaded: \(err)") } else {
            let why = BLAS.userSetCore ? "set by OPENBLAS_CORETYPE" : (BLAS.chosenCore != nil ? "chosen by clipz from CPU features" : "OpenBLAS's own detection")
            print("OpenBLAS core: \(BLAS.coreName) (\(why))")
        }
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
