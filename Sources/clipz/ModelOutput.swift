import ArgumentParser

/// Where `convert` and `quantize` write their .clipz, and how much they say about it.
struct ModelOutput: ParsableArguments {
    @Option(name: .shortAndLong, help: "Output .clipz path.") var output: String
    @Flag(help: "Replace an existing output file.") var force = false
    @Flag(help: "No progress or summary on stderr.") var quiet = false
}
