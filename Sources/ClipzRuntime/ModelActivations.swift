import ClipzCore
import ClipzQuant
import Foundation

/// A float `CLIPModel` over fixed images and texts, showing every linear layer's input through the
/// model's linear observer: what calibration statistics and the quantizer's guard are measured on.
public final class ModelActivations: ActivationSource, @unchecked Sendable {
    public let model: CLIPModel
    let pixels: [Float]
    let imageCount: Int
    let tokens: [[Int]]
    let batch: Int
    let progress: ((Int, Int, Int) -> Void)?

    /// - Parameters:
    ///   - pixels: preprocessed images [imageCount, 3, S, S].
    ///   - tokens: tokenized texts.
    ///   - batch: inputs per forward pass.
    ///   - progress: (pass, items done, items total).
    /// - Throws: `RuntimeError.badInput` when the pixels do not hold `imageCount` images or the model is int8.
    public init(model: CLIPModel, pixels: [Float], imageCount: Int, tokens: [[Int]], batch: Int = 16,
                progress: ((Int, Int, Int) -> Void)? = nil) throws {
        let per = Self.pixelsPerImage(model)
        guard imageCount >= 0, pixels.count == imageCount * per else {
            throw RuntimeError.badInput("\(pixels.count) pixel values for \(imageCount) images of \(per)")
        }
        guard !model.linears.values.contains(where: \.isInt8) else {
            throw RuntimeError.badInput("calibrate a float model (the fp32 .clipz from `clipz convert`), not a quantized one")
        }
        self.model = model
        self.pixels = pixels
        self.imageCount = imageCount
        self.tokens = tokens
        self.batch = max(1, batch)
        self.progress = progress
    }

    public var config: ModelConfig { model.config }

    /// Values of one preprocessed image (0 for a text-only model, which is run on texts alone).
    static func pixelsPerImage(_ model: CLIPModel) -> Int { model.config.vision.map { 3 * $0.imageSize * $0.imageSize } ?? 0 }

    public func weight(_ linear: String) throws -> Tensor {
        guard let l = model.linears[linear], let w = l.f32Weights else {
            throw RuntimeError.badWeights("no fp32 linear '\(linear)'")
        }
        return try Tensor(name: linear, shape: [l.outDim, l.inDim], floats: w)
    }

    public func run(pass: Int, firstBatchOnly: Bool, observe: @escaping LayerInputObserver) throws {
        model.setLinearObserver(observe)
        defer { model.setLinearObserver(nil) }
        let per = Self.pixelsPerImage(model)
        let images = firstBatchOnly ? min(imageCount, batch) : imageCount
        let texts = firstBatchOnly ? min(tokens.count, batch) : tokens.count
        let total = images + texts
        var i = 0
        while i < images {
            let n = min(batch, images - i)
            _ = try model.encodeImages(pixels: Array(pixels[(i * per)..<((i + n) * per)]), count: n)
            i += n
            progress?(pass, i, total)
        }
        var t = 0
        while t < texts {
            let n = min(batch, texts - t)
            _ = try model.encodeTexts(tokens: Array(tokens[t..<(t + n)]))
            t += n
            progress?(pass, images + t, total)
        }
    }
}
