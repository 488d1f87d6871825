import ArgumentParser
import ClipzCore
import ClipzImport
import ClipzRuntime
import Foundation

struct Embed: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compute image or text embeddings.",
        discussion: "Exactly one input kind. Output rows follow input order. --pixels takes float32 [N,3,S,S]; --tokens takes int32/int64 [N,L].")
    @Argument(help: "The .clipz file.") var file: String
    @Option(parsing: .upToNextOption, help: "Image files.") var image: [String] = []
    @Option(parsing: .upToNextOption, help: "Texts.") var text: [String] = []
    @Option(help: "Preprocessed pixels .npy [N,3,S,S].") var pixels: String?
    @Option(help: "Token ids .npy [N,L].") var tokens: String?
    @Option(name: .shortAndLong, help: "Write embeddings to this .npy [N, D] float32.") var output: String?
    @Flag(help: "L2-normalise each embedding.") var normalize = false
    @Flag(help: "Print JSON {\"embeddings\": [[...]], \"dim\": D} on stdout.") var json = false
    @Flag(help: "Replace an existing output.") var force = false
    @OptionGroup var options: RunOptions

    func validate() throws {
        let kinds = [!image.isEmpty, !text.isEmpty, pixels != nil, tokens != nil].filter { $0 }.count
        if kinds != 1 { throw ValidationError("give exactly one of --image, --text, --pixels, --tokens") }
    }

    func run() throws {
        let model = try options.load(file)
        let d = model.embedDim
        var e: [Float]
        if !image.isEmpty {
            e = try model.embed(imagePaths: image, normalize: normalize)
        } else if !text.isEmpty {
            e = try model.embed(texts: text, normalize: normalize)
        } else if let pixels {
            let x = try NumpyFiles.readNPY(pixels)
            let s = model.config.vision.imageSize
            guard x.dtype == .f32, x.shape.count == 4, x.shape[1] == 3, x.shape[2] == s, x.shape[3] == s else {
                throw CommandError("\(pixels): expected float32 [N, 3, \(s), \(s)], got \(x.dtype.rawValue) \(x.shape)")
            }
            e = try model.encodeImages(pixels: x.floats(), count: x.shape[0], normalize: normalize)
        } else {
            let path = tokens!
            let t = try NumpyFiles.readNPY(path)
            guard t.dtype == .i32 || t.dtype == .i64, t.shape.count == 2, t.shape[1] >= 1 else {
                throw CommandError("\(path): expected int32/int64 [N, L], got \(t.dtype.rawValue) \(t.shape)")
            }
            let flat = t.ints(), L = t.shape[1]
            e = try model.encodeTexts(tokens: (0..<t.shape[0]).map { Array(flat[($0 * L)..<(($0 + 1) * L)]) }, normalize: normalize)
        }
        let n = e.count / d
        if let output {
            try NumpyFiles.writeNPY(try Tensor(name: "embeddings", shape: [n, d], floats: e), to: output, inputs: [file] + image + [pixels, tokens].compactMap { $0 }, force: force)
            if !options.quiet { Output.info("wrote \(output): [\(n), \(d)] float32") }
        }
        if json {
            try Output.json(["dim": d, "embeddings": (0..<n).map { i in e[(i * d)..<((i + 1) * d)].map { Double($0) } }])
        } else if output == nil {
            for i in 0..<n { print(e[(i * d)..<((i + 1) * d)].map { String(format: "%.6f", $0) }.joined(separator: " ")) }
        }
    }
}
