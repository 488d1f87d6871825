import ClipzCore
import ClipzFormat
import Foundation

/// Per-model decisions of a quantization run: smoothing factors per LayerNorm group, static input
/// scales per linear, fallbacks chosen by the accuracy guard. Loads source tensors with smoothing applied.
struct Plan: @unchecked Sendable {
    let file: ClipzFile
    let isStatic: Bool
    let alpha: Double
    /// Smoothing factors by LayerNorm prefix and by linear weight name.
    private(set) var smoothByLN: [String: [Float]] = [:]
    private(set) var smoothByLinear: [String: [Float]] = [:]
    private(set) var scales: [String: Float] = [:]
    private(set) var errors: [String: Double] = [:]
    let cache = PendingTensors()

    init(file: ClipzFile, options: Quantizer.Options, report: Quantizer.Report) throws {
        self.file = file
        guard options.target == .int8, let cal = options.calibration else {
            isStatic = false; alpha = 0
            return
        }
        let path = options.calibrationPath ?? "calibration"
        guard cal.config == file.metadata.config else {
            throw QuantError.calibration(file: path, detail: "was measured on a model with another architecture than \(file.path)")
        }
        isStatic = true
        alpha = options.smoothAlpha ?? cal.smoothAlpha
        if alpha > 0 {
            for g in Smoothing.groups(file.metadata.config) {
                guard let first = g.linears.first, let stats = cal.layers[first] else { continue }
                let s: [Float]
                if alpha == cal.smoothAlpha, let stored = stats.smooth { s = stored } else {
                    s = Smoothing.factors(activationAbsMax: stats.channelAbsMax, weights: try g.linears.map { try file.tensor($0) }, alpha: alpha)
                }
                smoothByLN[g.layerNorm] = s
                for l in g.linears { smoothByLinear[l] = s }
            }
        }
        for (name, stats) in cal.layers {
            var clip = stats.clip
            if alpha != cal.smoothAlpha, let s = smoothByLinear[name] {
                // Measured with another α: fall back to min-max of the re-smoothed channels.
                clip = zip(stats.channelAbsMax, s).map { $0 / $1 }.max() ?? clip
            }
            if let e = stats.relativeError { errors[name] = e }
            if let e = stats.relativeError, e > options.guardBound {
                report.fallbacks.append(name)
                continue
            }
            if clip > 0 { scales[name] = clip / 127 }
        }
        report.fallbacks.sort()
        if alpha != cal.smoothAlpha {
            report.notes.append("smoothing α \(alpha) differs from the calibration's \(cal.smoothAlpha): clips re-derived by min-max, guard errors measured with α \(cal.smoothAlpha)")
        }
    }

    func inputScale(_ linear: String) -> Float? { isStatic ? scales[linear] : nil }
    func outputError(_ linear: String) -> Double? { errors[linear] }

    /// A source tensor with smoothing folded in (LayerNorm γ, β divided; linear columns multiplied).
    func load(_ name: String) throws -> Tensor {
        let t = try file.tensor(name)
        if let s = smoothByLinear[name] { return try Smoothing.scaleColumns(t, by: s) }
        for suffix in [".weight", ".bias"] where name.hasSuffix(suffix) {
            if let s = smoothByLN[String(name.dropLast(suffix.count))] { return try Smoothing.divide(t, by: s) }
        }
        return t
    }
}
