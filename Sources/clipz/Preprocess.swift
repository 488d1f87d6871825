import ArgumentParser
import ClipzCore
import ClipzImport
import ClipzRuntime
import Foundation

struct Preprocess: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write exactly the pixel tensor the model sees ([N, 3, S, S] float32 .npy).")
    @Argument(help: "The .clipz file.") var file: String
    @Argument(help: "Image files (PNG, JPEG).") var images: [String]
    @Option(name: .shortAndLong, help: "Output .npy.") var output: String
    @Flag(help: "Replace an existing output.") var force = false

    func run() throws {
        // The header's preprocessing settings are enough: the weights are never read.
        let inputs = try CLIPInputs(path: file)
        let s = inputs.metadata.preprocessing.cropSize
        let x = try inputs.pixels(imagePaths: images)
        try NumpyFiles.writeNPY(try Tensor(name: "pixels", shape: [images.count, 3, s, s], floats: x), to: output, inputs: images + [file], force: force)
        Output.info("wrote \(output): [\(images.count), 3, \(s), \(s)] float32")
    }
}
