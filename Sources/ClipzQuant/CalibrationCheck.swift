import ClipzCore
import ClipzFormat
import Foundation

/// A calibration file checked against the model it is applied to. Structure that does not fit the
/// model (another architecture, a layer the model lacks, wrong channel counts) is refused; numbers
/// that cannot be right (non-finite, negative, a clip or channel maximum above what the layer's
/// LayerNorm and weights can produce, smoothing factors that do not follow from the file's own
/// channel maxima) send that layer (or its whole LayerNorm group) back to dynamic activations,
/// each with its reason. The survivors still face the measured guard (`Plan`).
public struct CalibrationCheck: Sendable {
    /// A layer that may run with a static activation scale.
    public struct Layer: Sendable {
        /// Clipping threshold of |x / s|.
        public var clip: Float
        public var smooth: [Float]?
    }

    public private(set) var layers: [String: Layer] = [:]
    /// Layers sent back to dynamic activations, with the reason.
    public private(set) var fallbacks: [String: String] = [:]
    /// Smoothing factors by LayerNorm prefix and by linear weight name.
    public private(set) var smoothByLN: [String: [Float]] = [:]
    public private(set) var smoothByLinear: [String: [Float]] = [:]
    public private(set) var notes: [String] = []

    /// Slack on the hard input bounds: float rounding of the LayerNorm and of the histogram edges.
    static let boundSlack: Float = 1.001

    /// - Parameters:
    ///   - alpha: the SmoothQuant α the quantizer applies (the file's, or `--smooth`).
    ///   - source: the calibration file's name, for messages.
    /// - Throws: `QuantError.calibration` when the file does not describe this model.
    public init(_ cal: CalibrationFile, model file: ClipzFile, alpha: Double, source: String) throws {
        let inDims = try Self.checkStructure(cal, file, source)
        let bounds: [String: [Float]]
        do {
            bounds = try InputBounds.of(file)
        } catch {
            throw QuantError.calibration(file: source, detail: "cannot bound the layer inputs of \(file.path): \(error)")
        }
        for (name, l) in cal.layers {
            if let r = Self.valueProblem(l, bound: bounds[name]) { fallbacks[name] = r }
        }
        let grouped = try resolveSmoothing(cal, file, alpha: alpha)
        for (name, l) in cal.layers where fallbacks[name] == nil {
            let s = smoothByLinear[name]
            var clip = l.clip
            if grouped.contains(name) && alpha != cal.smoothAlpha {
                // Measured with another α: the stored clip is in other units; min-max of the re-smoothed channels.
                clip = l.channelAbsMax.enumerated().map { $0.element / (s?[$0.offset] ?? 1) }.max() ?? clip
            } else if grouped.contains(name) && alpha > 0 && s == nil {
                fallbacks[name] = "measured after smoothing that cannot be recomputed (its LayerNorm group has no statistics)"
                continue
            }
            if let b = bounds[name] {
                let top = b.enumerated().map { $0.element / (s?[$0.offset] ?? 1) }.max() ?? 0
                guard clip <= top * Self.boundSlack else {
                    fallbacks[name] = "clip \(clip) is above \(top), the largest |x| this layer can receive "
                        + "(from its LayerNorm and weights)"
                    continue
                }
            }
            layers[name] = Layer(clip: clip, smooth: s)
        }
        for name in inDims.keys where cal.layers[name] == nil { fallbacks[name] = "no statistics in the calibration file" }
        if alpha != cal.smoothAlpha {
            notes.append("smoothing α \(alpha) differs from the calibration's \(cal.smoothAlpha): "
                         + "clips re-derived by min-max of the re-smoothed channels")
        }
    }

    /// Input channels of every linear layer of the model, after checking that the file's layers are among them.
    static func checkStructure(_ cal: CalibrationFile, _ file: ClipzFile, _ source: String) throws -> [String: Int] {
        guard cal.config == file.metadata.config else {
            throw QuantError.calibration(file: source, detail: "was measured on a model with another architecture than \(file.path)")
        }
        var inDims: [String: Int] = [:]
        for e in file.entries where CanonicalName.isLinearWeight(e.name) {
            inDims[e.name] = e.shape.dropFirst().reduce(1, *)
        }
        for (name, l) in cal.layers.sorted(by: { $0.key < $1.key }) {
            guard let k = inDims[name] else {
                throw QuantError.calibration(file: source, detail: "layer '\(name)' is not a linear layer of \(file.path); calibrate this model")
            }
            guard l.channelAbsMax.count == k, l.smooth.map({ $0.count == k }) ?? true else {
                let detail = "layer '\(name)' has \(l.channelAbsMax.count) channel maxima and \(l.smooth?.count ?? 0) smoothing factors; "
                    + "\(file.path) has \(k) input channels there"
                throw QuantError.calibration(file: source, detail: detail)
            }
        }
        return inDims
    }

    /// Smoothing factors per LayerNorm group, recomputed from the group's channel maxima and the
    /// model's weights, never taken on trust. Returns the names of all grouped linears.
    mutating func resolveSmoothing(_ cal: CalibrationFile, _ file: ClipzFile, alpha: Double) throws -> Set<String> {
        var grouped = Set<String>()
        for g in Smoothing.groups(file.metadata.config) {
            grouped.formUnion(g.linears)
            guard alpha > 0, let first = g.linears.first, let stats = cal.layers[first] else { continue }
            let members = g.linears.filter { fallbacks[$0] == nil && cal.layers[$0] != nil }
            if let r = fallbacks[first] {
                for l in members { fallbacks[l] = "its LayerNorm group's smoothing comes from '\(first)': \(r)" }
                continue
            }
            let weights = try g.linears.map { n -> Tensor in
                guard let e = file.entry(named: n) else { throw FormatError.noSuchTensor(path: file.path, tensor: n) }
                return try Tensor(name: n, shape: e.shape, floats: try file.floats(n))
            }
            let s = Smoothing.factors(activationAbsMax: stats.channelAbsMax, weights: weights, alpha: alpha)
            let mismatch = g.linears.first { cal.layers[$0]?.smooth.map { !Self.close($0, s) } ?? false }
            if alpha == cal.smoothAlpha, let l = mismatch {
                for m in members {
                    fallbacks[m] = "the smoothing factors stored for '\(l)' do not follow from "
                        + "'\(first)' channel_abs_max and the model's weights"
                }
                continue
            }
            smoothByLN[g.layerNorm] = s
            for l in g.linears { smoothByLinear[l] = s }
        }
        return grouped
    }

    /// Why a layer's numbers cannot be right, or nil.
    static func valueProblem(_ l: CalibrationFile.LayerStats, bound: [Float]?) -> String? {
        guard l.clip.isFinite, l.clip > 0 else { return "clip \(l.clip) is not a positive finite number" }
        guard l.absMax.isFinite, l.absMax >= 0 else { return "abs_max \(l.absMax) is not a non-negative finite number" }
        if let j = l.channelAbsMax.firstIndex(where: { !($0.isFinite && $0 >= 0) }) {
            return "channel_abs_max[\(j)] = \(l.channelAbsMax[j]) is not a non-negative finite number"
        }
        if let s = l.smooth, let j = s.firstIndex(where: { !Smoothing.factorRange.contains($0) }) {
            return "smooth[\(j)] = \(s[j]) is outside \(Smoothing.factorRange)"
        }
        if let b = bound, let j = b.indices.first(where: { !(l.channelAbsMax[$0] <= b[$0] * boundSlack) }) {
            return "channel_abs_max[\(j)] = \(l.channelAbsMax[j]) is above \(b[j]), the largest |x| this channel can receive"
        }
        return nil
    }

    static func close(_ a: [Float], _ b: [Float]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-4 * max(abs($0), abs($1)) }
    }
}
