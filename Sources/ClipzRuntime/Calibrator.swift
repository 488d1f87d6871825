import CClipzKernels
import ClipzCore
import ClipzQuant
import Foundation

/// Measures activation statistics of every linear layer of a fp32 model on calibration images and
/// texts, for static int8 (W8A8). Three passes over the data:
/// 1. per-input-channel max |x| (→ SmoothQuant factors for LayerNorm-fed layers),
/// 2. histograms of |x / s| (→ clipping threshold by the chosen method),
/// 3. the accuracy guard: relative output error of each layer with int8 weights and the chosen static
///    activation scale, on the first batch, recorded so that `quantize` can fall back where it is large.
public enum Calibrator {
    public enum Method: String, CaseIterable, Sendable { case minmax, percentile, mse, entropy }

    public struct Options: Sendable {
        public var method: Method = .percentile
        public var percentile: Double = 99.999
        public var smoothAlpha: Double = 0.5
        public var batch: Int = 16
        public init(method: Method = .percentile, percentile: Double = 99.999, smoothAlpha: Double = 0.5, batch: Int = 16) {
            self.method = method; self.percentile = percentile; self.smoothAlpha = smoothAlpha; self.batch = batch
        }
    }

    /// - Parameters:
    ///   - pixels: preprocessed images [imageCount, 3, S, S].
    ///   - tokens: tokenized texts.
    ///   - progress: (pass 1...3, items done, items total).
    public static func run(model: CLIPModel, pixels: [Float], imageCount: Int, tokens: [[Int]], options: Options,
                           progress: ((Int, Int, Int) -> Void)? = nil) throws -> CalibrationFile {
        guard !model.linears.values.contains(where: \.isInt8) else {
            throw RuntimeError.badInput("calibrate a float model (the fp32 .clipz from `clipz convert`), not a quantized one")
        }
        guard imageCount > 0 || !tokens.isEmpty else { throw RuntimeError.badInput("no calibration images or texts") }
        let pass = { (p: Int) throws in try forEachBatch(model, pixels, imageCount, tokens, options.batch) { progress?(p, $0, $1) } }

        // Pass 1: channel max.
        var chanMax: [String: [Float]] = [:], rows: [String: Int] = [:]
        model.setLinearObserver { name, x, n in
            let k = x.count / max(n, 1)
            var m = chanMax[name] ?? [Float](repeating: 0, count: k)
            for r in 0..<n { for j in 0..<k { m[j] = max(m[j], abs(x[r * k + j])) } }
            chanMax[name] = m; rows[name, default: 0] += n
        }
        defer { model.setLinearObserver(nil) }
        try pass(1)

        // Smoothing factors per LayerNorm group.
        var smooth: [String: [Float]] = [:]
        if options.smoothAlpha > 0 {
            for g in Smoothing.groups(model.config) {
                guard let first = g.linears.first, let m = chanMax[first] else { continue }
                let s = Smoothing.factors(activationAbsMax: m, weights: try g.linears.map { try model.weightTensor($0) }, alpha: options.smoothAlpha)
                for l in g.linears { smooth[l] = s }
            }
        }

        // Pass 2: histograms of smoothed |x|.
        var hist: [String: AbsHistogram] = [:]
        for (name, m) in chanMax {
            let s = smooth[name]
            let top = s.map { zip(m, $0).map { $0 / $1 }.max() ?? 0 } ?? (m.max() ?? 0)
            hist[name] = AbsHistogram(maxValue: top)
        }
        model.setLinearObserver { name, x, _ in hist[name]?.add(x, scale: smooth[name]) }
        try pass(2)
        var clips: [String: Float] = [:]
        for (name, h) in hist {
            switch options.method {
            case .minmax: clips[name] = h.maxValue
            case .percentile: clips[name] = h.percentile(options.percentile)
            case .mse: clips[name] = h.minimumMSE()
            case .entropy: clips[name] = h.minimumKL()
            }
        }

        // Pass 3: the guard, on the first batch of each tower.
        var errs: [String: (num: Double, den: Double)] = [:]
        var simulated: [String: [Float]] = [:]
        model.setLinearObserver { name, x, n in
            guard let clip = clips[name], clip > 0, let w = try? model.weightTensor(name) else { return }
            let k = x.count / max(n, 1), out = w.shape[0]
            if simulated[name] == nil {
                var ws = w
                if let s = smooth[name], let t = try? Smoothing.scaleColumns(w, by: s) { ws = t }
                if let (q, sc, _) = try? WeightQuantization.perChannel(ws), let dq = try? WeightQuantization.dequantize(q, scale: sc) {
                    simulated[name] = dq.floats()
                }
            }
            guard let wq = simulated[name] else { return }
            let scale = clip / 127, s = smooth[name]
            var xq = [Float](repeating: 0, count: x.count)
            for i in 0..<x.count {
                let v = s.map { x[i] / $0[i % k] } ?? x[i]
                xq[i] = max(-127, min(127, (v / scale).rounded(.toNearestOrEven))) * scale
            }
            let wref = w.floats()
            var yRef = [Float](repeating: 0, count: n * out), yQ = yRef
            clipz_sgemm(1, Int32(n), Int32(out), Int32(k), 1, x.baseAddress, Int32(k), wref, Int32(k), 0, &yRef, Int32(out))
            clipz_sgemm(1, Int32(n), Int32(out), Int32(k), 1, xq, Int32(k), wq, Int32(k), 0, &yQ, Int32(out))
            var num = 0.0, den = 0.0
            for i in 0..<yRef.count { let d = Double(yQ[i] - yRef[i]); num += d * d; den += Double(yRef[i]) * Double(yRef[i]) }
            let e = errs[name] ?? (0, 0)
            errs[name] = (e.num + num, e.den + den)
        }
        let first = min(imageCount, options.batch)
        try forEachBatch(model, Array(pixels[0..<(first * 3 * model.config.vision.imageSize * model.config.vision.imageSize)]), first,
                         Array(tokens.prefix(options.batch)), options.batch) { progress?(3, $0, $1) }

        var layers: [String: CalibrationFile.LayerStats] = [:]
        for (name, m) in chanMax {
            let e = errs[name].map { $0.den > 0 ? ($0.num / $0.den).squareRoot() : 0 }
            layers[name] = .init(rows: rows[name] ?? 0, absMax: m.max() ?? 0, clip: clips[name] ?? 0, channelAbsMax: m,
                                 smooth: smooth[name], relativeError: e)
        }
        return CalibrationFile(model: model.metadata.provenance.name ?? "model", config: model.config, method: options.method.rawValue,
                               percentile: options.method == .percentile ? options.percentile : nil, smoothAlpha: options.smoothAlpha,
                               images: imageCount, texts: tokens.count, layers: layers)
    }

    static func forEachBatch(_ model: CLIPModel, _ pixels: [Float], _ imageCount: Int, _ tokens: [[Int]], _ batch: Int,
                             progress: (Int, Int) -> Void) throws {
        let per = 3 * model.config.vision.imageSize * model.config.vision.imageSize
        let total = imageCount + tokens.count
        var i = 0
        while i < imageCount {
            let n = min(batch, imageCount - i)
            _ = try model.encodeImages(pixels: Array(pixels[(i * per)..<((i + n) * per)]), count: n)
            i += n; progress(i, total)
        }
        var t = 0
        while t < tokens.count {
            let n = min(batch, tokens.count - t)
            _ = try model.encodeTexts(tokens: Array(tokens[t..<(t + n)]))
            t += n; progress(imageCount + t, total)
        }
    }
}

extension CLIPModel {
    /// A fp32 linear weight [out, in] by canonical name.
    func weightTensor(_ name: String) throws -> Tensor {
        guard let l = linears[name], let w = l.f32Weights else { throw RuntimeError.badWeights("no fp32 linear '\(name)'") }
        return try Tensor(name: name, shape: [l.outDim, l.inDim], floats: w)
    }
}
