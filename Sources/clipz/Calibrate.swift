import ArgumentParser
import ClipzCore
import ClipzFormat
import ClipzInputs
import ClipzQuant
import ClipzRuntime
import Foundation

struct Calibrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure activation statistics of a fp32 model for static int8 quantization.",
        discussion: """
            Runs the model over calibration images (and texts) and writes, per linear layer, channel maxima, \
            the clipping threshold chosen by --method, SmoothQuant factors (--smooth) and the layer's output \
            error with int8 weights and the chosen activation scale (the accuracy guard that `quantize` uses). \
            Texts default to "a photo of a {class}." for the class sub-folders of --images, else a built-in set.
            """)
    @Argument(help: "The fp32 .clipz file.") var file: String
    @Option(help: "Folder of calibration images (searched recursively).") var images: String
    @Option(help: "Text file with one calibration prompt per line.") var texts: String?
    @Option(help: "minmax | percentile | mse | entropy") var method = "percentile"
    @Option(help: "Percentile of |x| kept unclipped for --method percentile.") var percentile = 99.999
    @Option(help: "SmoothQuant migration strength α (0 disables).") var smooth = 0.5
    @Option(help: "Use at most this many images.") var maxImages = 256
    @Option(name: .shortAndLong, help: "Output calibration JSON.") var output: String
    @Flag(help: "Replace an existing output.") var force = false
    @OptionGroup var options: RunOptions

    func validate() throws {
        guard Calibrator.Method(rawValue: method) != nil else {
            throw ValidationError("--method must be one of \(Calibrator.Method.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if !(0...1).contains(smooth) { throw ValidationError("--smooth must be in 0...1") }
        if !(50...100).contains(percentile) { throw ValidationError("--percentile must be in 50...100") }
        if maxImages < 1 { throw ValidationError("--max-images must be ≥ 1") }
    }

    func run() throws {
        try AtomicOutput.checkOutput(output, inputs: [file, images] + (texts.map { [$0] } ?? []), force: force)
        let paths = Array(try ImageFolder.files(in: images, recursive: true).prefix(maxImages))
        var prompts: [String]
        if let texts {
            prompts = try TextsFile.read(texts)
        } else if let data = try? ImageDataset.scan(images) {
            prompts = Prompts.classPrompts(data.classes)
        } else {
            prompts = Prompts.builtin
        }
        prompts = Array(prompts.prefix(1024))
        let model = try options.load(file)
        // A single-tower model is calibrated on the inputs of the tower it holds.
        let imagePaths = model.config.vision == nil ? [] : paths
        let pixels = try model.pixels(imagePaths: imagePaths)
        let tokens = model.config.text == nil ? [] : try model.tokenize(prompts)
        let progress = Progress("calibrating", quiet: options.quiet)
        let cal = try Calibrator.run(model: model, pixels: pixels, imageCount: imagePaths.count, tokens: tokens,
                                     options: .init(method: Calibrator.Method(rawValue: method)!, percentile: percentile, smoothAlpha: smooth)) { pass, done, total in
            progress.update(done, total, "pass \(pass)/3")
        }
        let out = try AtomicOutput(path: output, inputs: [file], force: force)
        try out.write(Array(try cal.encoded()))
        try out.commit()
        let worst = cal.layers.compactMap { k, v in v.relativeError.map { (k, $0) } }.sorted { $0.1 > $1.1 }.prefix(5)
        if !options.quiet {
            Output.info("wrote \(output): \(cal.layers.count) layers from \(paths.count) images and \(prompts.count) texts (\(method), smooth \(smooth))")
            for (k, e) in worst { Output.info(String(format: "  largest int8 output error: %@ %.4f", k, e)) }
        }
    }
}
