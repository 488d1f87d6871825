import ArgumentParser

/// Inputs given as files that `embed` and `validate` both take: an image folder, preprocessed
/// pixels or token ids.
struct InputPaths: ParsableArguments {
    @Option(help: "Folder of .png/.jpg images (sorted by name).") var images: String?
    @Option(help: "Preprocessed pixels .npy float32 [N,3,S,S].") var pixels: String?
    @Option(help: "Token ids .npy int32/int64 [N,L].") var tokens: String?
}
