import ArgumentParser
import ClipzCore
import Foundation

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
