import ArgumentParser
import ClipzCore
import ClipzRuntime

/// Options shared by commands that run a model.
struct RunOptions: ParsableArguments {
    @Option(help: "Threads for matrix multiplications (default: all cores).") var threads: Int?
    @Flag(help: "No progress on stderr.") var quiet = false

    func validate() throws {
        if let t = threads, t < 1 || t > 1024 { throw ValidationError("--threads must be 1...1024") }
    }

    func load(_ path: String) throws -> CLIPModel {
        if let err = BLAS.load() { Output.warn("\(err); using slow reference GEMMs") }
        return try CLIPModel(path: path, threads: threads)
    }
}
