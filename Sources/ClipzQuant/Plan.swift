import ClipzCore
import ClipzFormat
import Foundation

/// Per-model decisions of a quantization run: smoothing factors per LayerNorm group, static input
/// scales per linear, fallbacks chosen by the checks and the accuracy guard. Loads source tensors
/// with smoothing applied.
///
/// The guard is measured, not read: each layer that passed `CalibrationCheck` runs as simulated
/// static W8A8 against fp32 on the activations of the float model over `Options.probe`, and falls
/// back to dynamic activations when its relative output error exceeds `Options.guardBound`. The
/// file's own `relative_error` figures are not used.
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
            isStatic = false
            alpha = 0
            return
        }
        let path = options.calibrationPath ?? "calibration"
        isStatic = true
        alpha = options.smoothAlpha ?? cal.smoothAlpha
        let check = try CalibrationCheck(cal, model: file, alpha: alpha, source: path)
        guard let probe = options.probe else { throw QuantError.noGuardProbe(file: path) }
        smoothByLN = check.smoothByLN
        smoothByLinear = check.smoothByLinear
        var fallbacks = check.fallbacks
        let measured = try Self.measure(check.layers, file: file, probe: probe, weightBits: options.weightBits)
        for (name, layer) in check.layers {
            guard let e = measured[name] else {
                fallbacks[name] = "the guard probe never reached this layer"
                continue
            }
            errors[name] = e
            guard e <= options.guardBound else {
                fallbacks[name] = String(format: "output error %.4f measured on the guard probe is above --guard %g",
                                         e, options.guardBound)
                continue
            }
            scales[name] = layer.clip / 127
        }
        report.fallbacks = fallbacks.map { Quantizer.Fallback(name: $0.key, reason: $0.value) }
            .sorted { $0.name < $1.name }
        report.notes += check.notes
    }

    /// Rows per layer and forward pass the guard measures on (evenly strided): enough to see a wrong
    /// scale, and it bounds the guard's cost to two GEMMs of this many rows per layer.
    static let guardRows = 256

    /// Relative output error of each candidate layer on the probe (a layer whose weights cannot be
    /// loaded gets +∞). Each meter lives only while its layer is observed: no copy of every weight.
    static func measure(_ layers: [String: CalibrationCheck.Layer], file: ClipzFile,
                        probe: any ActivationSource, weightBits: Int) throws -> [String: Double] {
        var sums: [String: (error: Double, norm: Double)] = [:]
        try probe.run(pass: 1, firstBatchOnly: false) { name, x, rows in
            guard let layer = layers[name] else { return }
            var total = sums[name] ?? (0, 0)
            do {
                guard let e = file.entry(named: name) else { throw FormatError.noSuchTensor(path: file.path, tensor: name) }
                let weight = try Tensor(name: name, shape: e.shape, floats: try file.floats(name))
                var meter = try LayerErrorMeter(weight: weight, smooth: layer.smooth, clip: layer.clip, weightBits: weightBits)
                let stride = (rows + Self.guardRows - 1) / Self.guardRows
                if stride <= 1 {
                    meter.add(x, rows: rows)
                } else {
                    let k = x.count / rows
                    var picked: [Float] = []
                    picked.reserveCapacity((rows / stride + 1) * k)
                    for r in Swift.stride(from: 0, to: rows, by: stride) { picked += x[(r * k)..<((r + 1) * k)] }
                    picked.withUnsafeBufferPointer { meter.add($0, rows: $0.count / k) }
                }
                total = (total.error + meter.squaredError, total.norm + meter.squaredNorm)
            } catch {
                total = (.infinity, total.norm)
            }
            sums[name] = total
        }
        return sums.mapValues { LayerErrorMeter.relative(squaredError: $0.error, squaredNorm: $0.norm) }
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
