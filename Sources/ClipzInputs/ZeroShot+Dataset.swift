import ClipzRuntime

extension CLIPModel {
    /// Classifies every image of `dataset` against prompts made from `template` ("{}" = class name).
    /// - Parameter progress: (images done, total).
    public func zeroShot(_ dataset: ImageDataset, template: String = Prompts.defaultTemplate, batch: Int = 32,
                         progress: ((Int, Int) -> Void)? = nil) throws -> ZeroShotResult {
        let r = try zeroShotLogits(images: dataset.images.map(\.path), classes: dataset.classes, template: template, batch: batch,
                                   progress: progress)
        return ZeroShotResult(classes: dataset.classes, labels: dataset.images.map(\.label),
                              predictions: ZeroShot.argmaxRows(r.logits, cols: dataset.classes.count),
                              logits: r.logits, imageEmbeddings: r.images, textEmbeddings: r.texts)
    }

    /// The image files at `paths` against one prompt per class (`template`, "{}" = class name): normalised image
    /// and prompt embeddings and the logits [images × classes] (`scores(imageEmbeddings:textEmbeddings:)` turns
    /// them into the model's own scores). Images and prompts are read and run `batch` at a time.
    /// - Parameter progress: (images done, total).
    public func zeroShotLogits(images paths: [String], classes: [String], template: String = Prompts.defaultTemplate,
                               batch: Int = 32, progress: ((Int, Int) -> Void)? = nil) throws
        -> (images: [Float], texts: [Float], logits: [Float]) {
        try inputs.requireBothTowers()
        // Prompts run `batch` at a time too: a thousand classes in one pass would hold every token's activations.
        let prompts = Prompts.classPrompts(classes, template: template), step = max(1, batch)
        var texts: [Float] = []
        for start in stride(from: 0, to: prompts.count, by: step) {
            texts += try embed(texts: Array(prompts[start..<min(start + step, prompts.count)]), normalize: true)
        }
        let batches = try InputBatches(.images, items: .list(paths), model: self, batchSize: batch)
        var images: [Float] = []
        while let b = try batches.next() {
            guard case let .pixels(x, n) = b else { break }
            images += try encodeImages(pixels: x, count: n, normalize: true)
            progress?(batches.done, paths.count)
        }
        return (images, texts, logits(imageEmbeddings: images, textEmbeddings: texts))
    }
}
