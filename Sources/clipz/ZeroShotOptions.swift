import ArgumentParser

/// The prompt template and batch size of the commands that score images against class prompts.
struct ZeroShotOptions: ParsableArguments {
    @Option(help: "Zero-shot prompt template; {} is the class name.") var template = "a photo of a {}."
    @Option(help: "Images or texts per forward pass.") var batch = 32

    func validate() throws {
        if !template.contains("{}") { throw ValidationError("--template must contain {} for the class name") }
        if batch < 1 || batch > 4096 { throw ValidationError("--batch must be 1...4096") }
    }
}
