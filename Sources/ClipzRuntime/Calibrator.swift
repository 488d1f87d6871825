import ClipzQuant

/// `clipz calibrate`'s entry: runs a fp32 model over calibration images and texts and returns the
/// statistics file. The statistics themselves (channel maxima, histograms, clip choice, the error
/// with int8 weights) are ClipzQuant's `CalibrationStatistics`; this only drives the model.
public enum Calibrator {
    public typealias Method = CalibrationMethod
    public typealias Options = CalibrationStatistics.Options

    /// - Parameters:
    ///   - pixels: preprocessed images [imageCount, 3, S, S].
    ///   - tokens: tokenized texts.
    ///   - progress: (pass 1...3, items done, items total).
    /// - Throws: `RuntimeError.badInput` for a quantized model or no inputs.
    public static func run(model: CLIPModel, pixels: [Float], imageCount: Int, tokens: [[Int]], options: Options,
                           progress: ((Int, Int, Int) -> Void)? = nil) throws -> CalibrationFile {
        guard imageCount > 0 || !tokens.isEmpty else { throw RuntimeError.badInput("no calibration images or texts") }
        let source = try ModelActivations(model: model, pixels: pixels, imageCount: imageCount, tokens: tokens,
                                          batch: options.batch, progress: progress)
        return try CalibrationStatistics.measure(source, modelName: model.metadata.provenance.name ?? "model",
                                                 images: imageCount, texts: tokens.count, options: options)
    }
}
