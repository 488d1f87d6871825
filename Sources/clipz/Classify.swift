import ArgumentParser
import ClipzInputs
import ClipzRuntime
import Foundation

struct Classify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Zero-shot classify images: a labelled folder DIR/<class>/*.{png,jpg}, or image files against --labels.",
        discussion: """
            With --dataset, class names are the sub-folder names with '_' read as a space; prints accuracy, per-class \
            accuracy and the most confused pairs. With --image (repeatable) and --labels, prints each image's score for \
            every label, best first: a softmax over the labels for CLIP, an independent sigmoid per label for SigLIP \
            (scores then need not sum to 1).
            """)
    @Argument(help: "The .clipz file.") var file: String
    @Option(help: "Dataset folder: DIR/<class>/*.{png,jpg}.") var dataset: String?
    @Option(name: .customLong("image"), help: "An image file to score against --labels (repeatable).") var images: [String] = []
    @Option(help: "Comma-separated class names for --image, e.g. \"cat,dog,red car\".") var labels: String?
    @OptionGroup var zeroShot: ZeroShotOptions
    @Flag(help: "Print JSON: accuracy, n, per_class, confusions (--dataset), or per-image scores (--image).") var json = false
    @OptionGroup var options: RunOptions

    /// --labels split at commas, blanks around each name dropped.
    var labelList: [String] {
        (labels ?? "").split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    }

    func validate() throws {
        if (dataset == nil) == images.isEmpty { throw ValidationError("give either --dataset DIR or one or more --image FILE") }
        if dataset != nil, labels != nil {
            throw ValidationError("--labels goes with --image; --dataset takes its class names from its sub-folders")
        }
        if !images.isEmpty {
            guard labels != nil else { throw ValidationError("--image needs --labels, e.g. --labels \"cat,dog,car\"") }
            if labelList.contains(where: \.isEmpty) { throw ValidationError("--labels has an empty name: \"\(labels ?? "")\"") }
            if Set(labelList).count != labelList.count { throw ValidationError("--labels names a class twice: \"\(labels ?? "")\"") }
        }
    }

    func run() throws {
        let model = try options.load(file)
        if let dataset { try classifyDataset(model, dataset) } else { try scoreImages(model) }
    }

    /// How the model's logits become scores, for the text output (`unit`: "class" or "label").
    private func scoring(_ model: CLIPModel, count: Int, unit: String) -> String {
        model.config.scoring == .sigmoid
            ? "sigmoid(exp(logit_scale)·cos + logit_bias) per \(unit) (\(model.config.familyName))"
            : "softmax over the \(count) \(unit)s (\(model.config.familyName))"
    }

    private func classifyDataset(_ model: CLIPModel, _ dataset: String) throws {
        let template = zeroShot.template
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
            print("scoring: \(scoring(model, count: r.classes.count, unit: "class")); the top class is the prediction")
        }
        for (c, a) in zip(r.classes, per) { print("  \(pad(c, 20)) \(String(format: "%6.2f%%", a * 100))") }
        let conf = r.confusions.prefix(5)
        if !conf.isEmpty {
            print("most confused:")
            for (t, p, n) in conf { print("  \(t) → \(p): \(n)") }
        }
    }

    private func scoreImages(_ model: CLIPModel) throws {
        let classes = labelList, template = zeroShot.template
        let progress = Progress("scoring", quiet: options.quiet || json)
        let r = try model.zeroShotLogits(images: images, classes: classes, template: template, batch: zeroShot.batch) {
            progress.update($0, $1)
        }
        let scores = ZeroShot.scores(r.logits, cols: classes.count, scoring: model.config.scoring)
        let rows = images.indices.map { i in Array(scores[(i * classes.count)..<((i + 1) * classes.count)]) }
        if json {
            try Output.json([
                "scoring": model.config.scoring.rawValue, "template": template, "labels": classes,
                "images": zip(images, rows).map { path, s in
                    ["image": path, "scores": s.map(Double.init), "top": classes[ZeroShot.argmaxRows(s, cols: s.count)[0]]] as [String: Any]
                },
            ])
            return
        }
        print("scores: \(scoring(model, count: classes.count, unit: "label")), template \"\(template)\"")
        for (path, s) in zip(images, rows) {
            print(path)
            for j in s.indices.sorted(by: { s[$0] > s[$1] || (s[$0] == s[$1] && $0 < $1) }) {
                print("  \(pad(classes[j], 20)) \(String(format: "%.4f", s[j]))")
            }
        }
    }
}
