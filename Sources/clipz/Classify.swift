import ArgumentParser
import ClipzInputs
import ClipzRuntime
import Foundation

struct Classify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Zero-shot classify a folder of labelled images: DIR/<class>/*.{png,jpg}.",
        discussion: "Class names are the sub-folder names with '_' read as a space. Prints accuracy, per-class accuracy and the most confused pairs.")
    @Argument(help: "The .clipz file.") var file: String
    @Option(help: "Dataset folder.") var dataset: String
    @OptionGroup var zeroShot: ZeroShotOptions
    @Flag(help: "Print JSON with accuracy, n, per_class, confusions.") var json = false
    @OptionGroup var options: RunOptions

    func run() throws {
        let template = zeroShot.template
        let model = try options.load(file)
        let data = try ImageDataset.scan(dataset)
        let progress = Progress("classifying", quiet: options.quiet || json)
        let r = try model.zeroShot(data, template: template, batch: zeroShot.batch) { progress.update($0, $1) }
        let per = r.perClassAccuracy
        if json {
            try Output.json([
                "accuracy": r.accuracy, "n": r.n, "classes": r.classes, "template": template, "scoring": model.config.scoring.rawValue,
                "per_class": Dictionary(uniqueKeysWithValues: zip(r.classes, per)),
                "confusions": r.confusions.prefix(10).map { ["true": $0.0, "predicted": $0.1, "count": $0.2] },
            ])
            return
        }
        print(String(format: "accuracy %.2f%% (%d images, %d classes, template \"%@\")", r.accuracy * 100, r.n, r.classes.count, template))
        if model.config.scoring == .sigmoid {
            print("scoring: sigmoid(exp(logit_scale)·cos + logit_bias) per class (\(model.config.familyName)); the top class is the prediction")
        }
        for (c, a) in zip(r.classes, per) { print("  \(pad(c, 20)) \(String(format: "%6.2f%%", a * 100))") }
        let conf = r.confusions.prefix(5)
        if !conf.isEmpty {
            print("most confused:")
            for (t, p, n) in conf { print("  \(t) → \(p): \(n)") }
        }
    }
}
