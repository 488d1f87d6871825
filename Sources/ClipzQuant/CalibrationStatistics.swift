import ClipzCore

/// Activation statistics of every linear layer for static int8 (W8A8), from three runs of the float
/// model (an `ActivationSource`):
/// 1. per-input-channel max |x| (→ SmoothQuant factors for LayerNorm-fed layers),
/// 2. histograms of |x / s| (→ clipping threshold by the chosen method),
/// 3. each layer's relative output error with int8 weights and the chosen static scale on the first
///    batch (recorded for the user; `quantize` measures it again on the model it quantizes).
public enum CalibrationStatistics {
    public struct Options: Sendable {
        public var method: CalibrationMethod
        public var percentile: Double
        public var smoothAlpha: Double
        /// Inputs per forward pass (the runtime's batching).
        public var batch: Int
        public init(method: CalibrationMethod = .percentile, percentile: Double = 99.999, smoothAlpha: Double = 0.5,
                    batch: Int = 16) {
            self.method = method
            self.percentile = percentile
            self.smoothAlpha = smoothAlpha
            self.batch = batch
        }
    }

    /// - Parameters:
    ///   - source: the float model over the calibration inputs.
    ///   - modelName, images, texts: recorded in the file.
    public static func measure(_ source: any ActivationSource, modelName: String, images: Int, texts: Int,
                               options: Options) throws -> CalibrationFile {
        var chanMax: [String: [Float]] = [:]
        var rows: [String: Int] = [:]
        try source.run(pass: 1, firstBatchOnly: false) { name, x, n in
            let k = x.count / max(n, 1)
            var m = chanMax[name] ?? [Float](repeating: 0, count: k)
            guard m.count == k else { return }
            for r in 0..<n { for j in 0..<k { m[j] = max(m[j], abs(x[r * k + j])) } }
            chanMax[name] = m
            rows[name, default: 0] += n
        }

        var smooth: [String: [Float]] = [:]
        if options.smoothAlpha > 0 {
            for g in Smoothing.groups(source.config) {
                guard let first = g.linears.first, let m = chanMax[first] else { continue }
                let weights = try g.linears.map { try source.weight($0) }
                let s = Smoothing.factors(activationAbsMax: m, weights: weights, alpha: options.smoothAlpha)
                for l in g.linears { smooth[l] = s }
            }
        }

        var hist: [String: AbsHistogram] = [:]
        for (name, m) in chanMax {
            let top = smooth[name].map { s in zip(m, s).map { $0 / $1 }.max() ?? 0 } ?? (m.max() ?? 0)
            hist[name] = AbsHistogram(maxValue: top)
        }
        try source.run(pass: 2, firstBatchOnly: false) { name, x, _ in hist[name]?.add(x, scale: smooth[name]) }
        let clips = hist.mapValues { options.method.clip($0, percentile: options.percentile) }

        var meters: [String: LayerErrorMeter] = [:]
        try source.run(pass: 3, firstBatchOnly: true) { name, x, n in
            guard let clip = clips[name], clip > 0 else { return }
            if meters[name] == nil {
                guard let w = try? source.weight(name) else { return }
                meters[name] = try? LayerErrorMeter(weight: w, smooth: smooth[name], clip: clip)
            }
            meters[name]?.add(x, rows: n)
        }

        var layers: [String: CalibrationFile.LayerStats] = [:]
        for (name, m) in chanMax {
            layers[name] = .init(rows: rows[name] ?? 0, absMax: m.max() ?? 0, clip: clips[name] ?? 0, channelAbsMax: m,
                                 smooth: smooth[name], relativeError: meters[name]?.relativeError)
        }
        return CalibrationFile(model: modelName, config: source.config, method: options.method.rawValue,
                               percentile: options.method == .percentile ? options.percentile : nil,
                               smoothAlpha: options.smoothAlpha, images: images, texts: texts, layers: layers)
    }
}
