import ArgumentParser
import ClipzCore
import ClipzImport
import ClipzRuntime
import Foundation

struct Preprocess: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write exactly the pixel tensor the model sees ([N, 3, S, S] float32 .npy).")
    @OptionGroup var model: HeaderFile
    @Argument(help: "Image files (PNG, JPEG).") var images: [String]
    @Option(name: .shortAndLong, help: "Output .npy.") var output: String
    @Flag(help: "Replace an existing output.") var force = false

    func run() throws {
        let inputs = try model.inputs()
        let s = inputs.metadata.preprocessing.cropSize
        let x = try inputs.pixels(imagePaths: images)
        try NumpyFiles.writeNPY(try Tensor(name: "pixels", shape: [images.count, 3, s, s], floats: x), to: output, inputs: images + [model.file], force: force)
        Output.info("wrote \(output): [\(images.count), 3, \(s), \(s)] float32")
    }
}
