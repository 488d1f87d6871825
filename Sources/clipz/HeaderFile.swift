import ArgumentParser
import ClipzRuntime

/// The .clipz argument of the commands that read only its header (config, preprocessing, tokenizer):
/// the weights are never read.
struct HeaderFile: ParsableArguments {
    @Argument(help: "The .clipz file.") var file: String

    /// The file's config, preprocessing and tokenizer.
    func inputs() throws -> CLIPInputs { try CLIPInputs(path: file) }
}
