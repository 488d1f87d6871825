import ClipzCore
import ClipzInputs
import ClipzRuntime
import Foundation

/// The inputs both models see: images (streamed in batches) and token ids, plus labels in dataset mode.
public struct ValidationInputs: @unchecked Sendable {
    public enum Images {
        /// Preprocessed pixels [count, 3, S, S].
        case pixels([Float], count: Int)
        /// Image files, decoded and preprocessed batch by batch with the candidate's preprocessing.
        case paths([String])
    }

    public var images: Images
    public var tokens: [[Int]]
    /// Dataset mode: the label of each image; text rows `0..<classes.count` are the class prompts.
    public var labels: [Int]?
    public var classes: [String]?
    public var imageDescription: String
    public var textDescription: String
    /// Set when the images are generated, not given (stored embeddings cannot match them).
    public var syntheticImages = false

    public var imageCount: Int {
        switch images { case .pixels(_, let n): return n; case .paths(let p): return p.count }
    }

    public init(images: Images, tokens: [[Int]], labels: [Int]? = nil, classes: [String]? = nil,
                imageDescription: String, textDescription: String) {
        self.images = images; self.tokens = tokens; self.labels = labels; self.classes = classes
        self.imageDescription = imageDescription; self.textDescription = textDescription
    }

    /// Preprocessed pixels of images `range`.
    public func pixels(_ range: Range<Int>, model: CLIPModel) throws -> [Float] {
        switch images {
        case .pixels(let all, let n):
            let per = all.count / Swift.max(n, 1)
            return Array(all[(range.lowerBound * per)..<(range.upperBound * per)])
        case .paths(let p):
            return try model.pixels(imagePaths: Array(p[range]))
        }
    }

    /// Builds the inputs from command-line style choices. At most one image source; texts from
    /// `textsFile` or `tokensNPY`; in dataset mode the class prompts come first.
    /// - Throws: `InputError` naming the file; `InputError.badInput` when stored embeddings need given images.
    public static func make(model: CLIPModel, dataset: String? = nil, imagesDir: String? = nil, pixelsNPY: String? = nil,
                            textsFile: String? = nil, tokensNPY: String? = nil, template: String = Prompts.defaultTemplate,
                            allowSynthetic: Bool = true) throws -> ValidationInputs {
        var images: Images, imageDesc: String, labels: [Int]?, classes: [String]?, synthetic = false
        // A single tower is validated alone: inputs for the absent one are refused by name, none are made up.
        if dataset != nil { try model.inputs.requireBothTowers() }
        if imagesDir != nil || pixelsNPY != nil { _ = try model.visionConfig() }
        if textsFile != nil || tokensNPY != nil { _ = try model.textConfig() }
        if model.config.vision == nil {
            images = .pixels([], count: 0)
            imageDesc = "none (text encoder only)"
        } else if let dataset {
            let d = try ImageDataset.scan(dataset)
            images = .paths(d.images.map(\.path))
            labels = d.images.map(\.label)
            classes = d.classes
            imageDesc = "dataset \(dataset) (\(d.images.count) images, \(d.classes.count) classes)"
        } else if let imagesDir {
            let files = try ImageFolder.files(in: imagesDir)
            images = .paths(files)
            imageDesc = "images in \(imagesDir) (\(files.count))"
        } else if let pixelsNPY {
            let x = try NpyInputs.pixels(pixelsNPY, imageSize: model.visionConfig().imageSize)
            images = .pixels(x.values, count: x.count)
            imageDesc = "pixels \(pixelsNPY) (\(x.count))"
        } else {
            guard allowSynthetic else { throw InputError.badInput("stored image embeddings need the same images: give --dataset, --images or --pixels") }
            let n = 8
            images = .pixels(SyntheticInputs.pixels(count: n, size: try model.visionConfig().imageSize), count: n)
            imageDesc = "synthetic (\(n) seeded images)"
            synthetic = true
        }
        var tokens: [[Int]] = [], textParts: [String] = []
        if let classes {
            tokens = try model.tokenize(Prompts.classPrompts(classes, template: template))
            textParts.append("\(classes.count) class prompts \"\(template)\"")
        }
        if let textsFile {
            let lines = try TextsFile.read(textsFile)
            tokens += try model.tokenize(lines)
            textParts.append("\(lines.count) texts from \(textsFile)")
        } else if let tokensNPY {
            let t = try NpyInputs.tokens(tokensNPY, contextLength: model.textConfig().contextLength)
            tokens += t
            textParts.append("\(t.count) token rows from \(tokensNPY)")
        } else if model.config.text == nil {
            textParts.append("none (image encoder only)")
        } else if classes == nil {
            let text = try model.textConfig(), vocab = text.vocabSize
            tokens = try model.tokenize(Prompts.builtin)
            if tokens.contains(where: { $0.contains { $0 >= vocab } }) {
                // A toy vocabulary smaller than the tokenizer's: fall back to ids the model can embed.
                tokens = SyntheticInputs.tokens(count: 8, config: text)
                textParts.append("8 seeded synthetic token sequences (the tokenizer's ids exceed the vocabulary of \(vocab))")
            } else {
                textParts.append("\(Prompts.builtin.count) built-in prompts")
            }
        }
        var inputs = ValidationInputs(images: images, tokens: tokens, labels: labels, classes: classes,
                                      imageDescription: imageDesc, textDescription: textParts.joined(separator: " + "))
        inputs.syntheticImages = synthetic
        return inputs
    }
}
