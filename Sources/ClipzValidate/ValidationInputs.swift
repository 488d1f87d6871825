import ClipzCore
import ClipzImport
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

    /// Prompts used for the text tower when no texts and no dataset are given.
    public static let builtinPrompts = [
        "a photo of a cat.", "a photo of a dog.", "a diagram.", "a close-up photo of a red apple on a table.",
        "an aerial view of a city at night.", "a handwritten number seven.", "two people riding bicycles in the rain.",
        "a blurry photo of a car.", "text that says hello world", "a painting of mountains and a lake at sunset.",
        "", "A PHOTO OF THE NUMBER 3, in CAPITALS!",
    ]

    public static let maxTextsFileBytes = 16 << 20
    public static let maxTexts = 100_000

    /// Builds the inputs from command-line style choices. At most one image source; texts from
    /// `textsFile` or `tokensNPY`; in dataset mode the class prompts come first.
    /// - Throws: `ValidateError.badInput` naming the file.
    public static func make(model: CLIPModel, dataset: String? = nil, imagesDir: String? = nil, pixelsNPY: String? = nil,
                            textsFile: String? = nil, tokensNPY: String? = nil, template: String = "a photo of a {}.",
                            allowSynthetic: Bool = true) throws -> ValidationInputs {
        var images: Images, imageDesc: String, labels: [Int]?, classes: [String]?, synthetic = false
        if let dataset {
            let d = try ImageDataset.scan(dataset)
            images = .paths(d.images.map(\.path)); labels = d.images.map(\.label); classes = d.classes
            imageDesc = "dataset \(dataset) (\(d.images.count) images, \(d.classes.count) classes)"
        } else if let imagesDir {
            let files = try imageFiles(in: imagesDir)
            images = .paths(files); imageDesc = "images in \(imagesDir) (\(files.count))"
        } else if let pixelsNPY {
            let x = try NumpyFiles.readNPY(pixelsNPY), s = model.config.vision.imageSize
            guard x.dtype == .f32, x.shape.count == 4, x.shape[0] >= 1, x.shape[1] == 3, x.shape[2] == s, x.shape[3] == s else {
                throw ValidateError.badInput("\(pixelsNPY): expected float32 [N, 3, \(s), \(s)], got \(x.dtype.rawValue) \(x.shape)")
            }
            images = .pixels(x.floats(), count: x.shape[0]); imageDesc = "pixels \(pixelsNPY) (\(x.shape[0]))"
        } else {
            guard allowSynthetic else { throw ValidateError.badInput("stored image embeddings need the same images: give --dataset, --images or --pixels") }
            let n = 8
            images = .pixels(syntheticPixels(count: n, size: model.config.vision.imageSize), count: n)
            imageDesc = "synthetic (\(n) seeded images)"; synthetic = true
        }
        var tokens: [[Int]] = [], textParts: [String] = []
        if let classes {
            tokens = try model.tokenize(classes.map { template.replacingOccurrences(of: "{}", with: $0) })
            textParts.append("\(classes.count) class prompts \"\(template)\"")
        }
        if let textsFile {
            let lines = try readTexts(textsFile)
            tokens += try model.tokenize(lines); textParts.append("\(lines.count) texts from \(textsFile)")
        } else if let tokensNPY {
            let t = try readTokens(tokensNPY, contextLength: model.config.text.contextLength)
            tokens += t; textParts.append("\(t.count) token rows from \(tokensNPY)")
        } else if classes == nil {
            let vocab = model.config.text.vocabSize
            tokens = try model.tokenize(builtinPrompts)
            if tokens.contains(where: { $0.contains { $0 >= vocab } }) {
                // A toy vocabulary smaller than the tokenizer's: fall back to ids the model can embed.
                tokens = syntheticTokens(count: 8, config: model.config.text)
                textParts.append("8 seeded synthetic token sequences (the tokenizer's ids exceed the vocabulary of \(vocab))")
            } else {
                textParts.append("\(builtinPrompts.count) built-in prompts")
            }
        }
        var inputs = ValidationInputs(images: images, tokens: tokens, labels: labels, classes: classes,
                                      imageDescription: imageDesc, textDescription: textParts.joined(separator: " + "))
        inputs.syntheticImages = synthetic
        return inputs
    }

    /// .png/.jpg/.jpeg files directly in `dir`, sorted by name.
    public static func imageFiles(in dir: String) throws -> [String] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: dir) else { throw ValidateError.badInput("\(dir): cannot list the folder") }
        let files = entries.sorted().filter(ImageDataset.isImageFile).map { dir + "/" + $0 }
        guard !files.isEmpty else { throw ValidateError.badInput("\(dir): no .png/.jpg images") }
        guard files.count <= ImageDataset.maxImages else { throw ValidateError.badInput("\(dir): more than \(ImageDataset.maxImages) images") }
        return files
    }

    /// One text per line (UTF-8); blank lines are skipped.
    static func readTexts(_ path: String) throws -> [String] {
        let attrs = try? FileManager.default.attributesOfItem(atPath: path)
        guard let size = attrs?[.size] as? Int else { throw ValidateError.badInput("\(path): cannot read the texts file") }
        guard size <= maxTextsFileBytes else { throw ValidateError.badInput("\(path): larger than \(maxTextsFileBytes) bytes") }
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidateError.badInput("\(path): cannot read the texts file") }
        let lines = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
            .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        guard !lines.isEmpty else { throw ValidateError.badInput("\(path): no texts (one per line)") }
        guard lines.count <= maxTexts else { throw ValidateError.badInput("\(path): more than \(maxTexts) texts") }
        return lines
    }

    /// int32/int64 [N, L] ids; L may exceed the context only with trailing zero padding, which is dropped.
    static func readTokens(_ path: String, contextLength: Int) throws -> [[Int]] {
        let t = try NumpyFiles.readNPY(path)
        guard t.dtype == .i32 || t.dtype == .i64, t.shape.count == 2, t.shape[0] >= 1, t.shape[1] >= 1 else {
            throw ValidateError.badInput("\(path): expected int32/int64 [N, L], got \(t.dtype.rawValue) \(t.shape)")
        }
        guard t.shape[0] <= maxTexts else { throw ValidateError.badInput("\(path): more than \(maxTexts) rows") }
        let flat = t.ints(), L = t.shape[1]
        return try (0..<t.shape[0]).map { r in
            var row = Array(flat[(r * L)..<((r + 1) * L)])
            while row.count > contextLength, row.last == 0 { row.removeLast() }
            guard row.count <= contextLength else { throw ValidateError.badInput("\(path): row \(r) has \(row.count) tokens; the context is \(contextLength)") }
            return row
        }
    }

    /// Deterministic token sequences [start, ids…, end] inside the vocabulary, ending where the pooling rule looks.
    public static func syntheticTokens(count: Int, config: TextConfig, seed: UInt64 = 11) -> [[Int]] {
        let v = config.vocabSize
        guard v >= 4 else { return (0..<count).map { _ in [max(0, v - 1)] } }
        let end = config.pooling == .argmaxID || config.eosTokenID >= v ? v - 1 : config.eosTokenID
        let start = end == v - 2 ? v - 3 : v - 2
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let len = 2 + Int(rng.next() % UInt64(max(1, min(12, config.contextLength - 2))))
            var row = [start]
            while row.count < len - 1 {
                let id = 1 + Int(rng.next() % UInt64(v - 3))
                if id != end && id != start { row.append(id) }
            }
            return Array((row + [end]).prefix(config.contextLength))
        }
    }

    /// Deterministic stand-in images (smooth colour fields plus noise, already normalised) so the image
    /// tower is checked even when no images are given.
    public static func syntheticPixels(count: Int, size: Int, seed: UInt64 = 7) -> [Float] {
        var rng = SplitMix64(seed: seed)
        var out = [Float](repeating: 0, count: count * 3 * size * size)
        for n in 0..<count { for c in 0..<3 {
            let fx = rng.nextFloat() * 6, fy = rng.nextFloat() * 6, phase = rng.nextFloat() * 6.28
            for y in 0..<size { for x in 0..<size {
                let u = Float(x) / Float(size), v = Float(y) / Float(size)
                out[((n * 3 + c) * size + y) * size + x] = 1.5 * sinf(fx * u + fy * v + phase) + 0.3 * rng.nextGaussian()
            } }
        } }
        return out
    }
}

/// Bad validation input (exit code 1 in the command line).
public enum ValidateError: Error, CustomStringConvertible {
    case badInput(String)
    public var description: String { switch self { case .badInput(let s): return s } }
}
