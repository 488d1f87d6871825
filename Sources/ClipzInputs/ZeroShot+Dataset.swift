import ClipzRuntime

extension CLIPModel {
    /// Classifies every image of `dataset` against prompts made from `template` ("{}" = class name).
    /// - Parameter progress: (images done, total).
    public func zeroShot(_ dataset: ImageDataset, template: String = Prompts.defaultTemplate, batch: Int = 32,
                         progress: ((Int, Int) -> Void)? = nil) throws -> ZeroShotResult {
        try inputs.requireBothTowers()
        let text = try embed(texts: Prompts.classPrompts(dataset.classes, template: template), normalize: true)
        let batches = try InputBatches(.images, items: .list(dataset.images.map(\.path)), model: self, batchSize: batch)
        var images: [Float] = []
        while let b = try batches.next() {
            guard case let .pixels(x, n) = b else { break }
            images += try encodeImages(pixels: x, count: n, normalize: true)
            progress?(batches.done, dataset.images.count)
        }
        let logits = self.logits(imageEmbeddings: images, textEmbeddings: text)
        return ZeroShotResult(classes: dataset.classes, labels: dataset.images.map(\.label),
                              predictions: ZeroShot.argmaxRows(logits, cols: dataset.classes.count),
                              logits: logits, imageEmbeddings: images, textEmbeddings: text)
    }
}
