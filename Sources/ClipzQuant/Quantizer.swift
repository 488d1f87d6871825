import ClipzCore
import ClipzFormat
import Foundation

/// Shrinks a float `.clipz` model: fp16 / bf16 weights, or int8 per-channel weights with dynamic
/// (per-token, at run time) or static (calibrated) activation scales. LayerNorm parameters, biases,
/// softmax, the residual stream and embedding lookups stay in float.
public enum Quantizer {
    public enum Target: String, Sendable { case fp16, bf16, int8 }

    public struct Options: Sendable {
        public var target: Target
        /// Calibration data: makes int8 activations static (W8A8).
        public var calibration: CalibrationFile?
        public var calibrationPath: String?
        /// Regex on canonical names: matching linear weights stay float.
        public var exclude: String?
        /// SmoothQuant α; nil = the calibration file's.
        public var smoothAlpha: Double?
        /// Layers whose output error, measured on `probe`, exceeds this fall back to dynamic activations.
        public var guardBound: Double
        /// The float model run over a few inputs: where the guard measures each static layer's error.
        /// Required with `calibration` (static int8 without a measured guard is refused).
        public var probe: (any ActivationSource)?
        /// Bits of the int8 linear weights: 8 (-127...127) or 7 (-63...63: AVX2 CPUs without VNNI multiply
        /// them in 3 instructions per 32 products instead of 4, at twice the weight rounding step).
        public var weightBits: Int
        public init(target: Target, calibration: CalibrationFile? = nil, calibrationPath: String? = nil, exclude: String? = nil,
                    smoothAlpha: Double? = nil, guardBound: Double = 0.05, probe: (any ActivationSource)? = nil, weightBits: Int = 8) {
            self.weightBits = weightBits
            self.target = target
            self.calibration = calibration
            self.calibrationPath = calibrationPath
            self.exclude = exclude
            self.smoothAlpha = smoothAlpha
            self.guardBound = guardBound
            self.probe = probe
        }
    }

    /// - Returns: the quantized model (tensors computed lazily as the writer asks), the per-tensor
    ///   quantization parameters for the tensor table, and the report.
    public static func quantize(_ file: ClipzFile, options: Options) throws -> (ModelSource, [String: QuantParams], Report) {
        if file.metadata.provenance.quantization?.type.hasPrefix("int8") == true || file.entries.contains(where: { $0.dtype == "i8" }) {
            throw QuantError.notFloatModel("\(file.path) is already int8")
        }
        guard WeightQuantization.supportedBits.contains(options.weightBits) else { throw QuantError.badWeightBits(options.weightBits) }
        let exclude: NSRegularExpression? = try options.exclude.map {
            do { return try NSRegularExpression(pattern: $0) } catch { throw QuantError.badPattern($0) }
        }
        func excluded(_ n: String) -> Bool {
            exclude?.firstMatch(in: n, range: NSRange(n.startIndex..., in: n)) != nil
        }
        let report = Report()
        let plan = try Plan(file: file, options: options, report: report)
        var tensors: [TensorSource] = []
        var quant: [String: QuantParams] = [:]
        let isInt8 = options.target == .int8
        let half: DType = options.target == .bf16 ? .bf16 : .f16

        for e in file.entries {
            guard let dtype = e.knownDType else { throw FormatError.unsupportedTensor(path: file.path, tensor: e.name, detail: "unknown dtype '\(e.dtype)'") }
            let name = e.name
            let load: @Sendable () throws -> Tensor = { try plan.load(name) }
            /// int8 rows with per-row scales (the `.scale` tensor) of `bits` bits; `row` makes the report row from the weight error.
            func appendPerChannel(bits: Int, _ row: @escaping @Sendable (Double) -> Report.Row) {
                let cache = plan.cache
                tensors.append(TensorSource(name: name, dtype: .i8, shape: e.shape) {
                    let (q, scale, err) = try WeightQuantization.perChannel(try load(), bits: bits)
                    cache.put(scale)
                    report.add(row(err))
                    return q
                })
                tensors.append(TensorSource(name: name + ".scale", dtype: .f32, shape: [e.shape.first ?? 0]) { try cache.take(name + ".scale") })
                quant[name] = QuantParams(scheme: QuantParams.int8PerChannel, axis: 0, scale: name + ".scale")
            }
            if isInt8 && CanonicalName.isLinearWeight(name) && !excluded(name) {
                appendPerChannel(bits: options.weightBits) { err in
                    .init(name: name, kind: plan.inputScale(name) == nil ? "int8 dynamic" : "int8 static", weightError: err,
                          outputError: plan.outputError(name))
                }
                if let s = plan.inputScale(name) {
                    tensors.append(TensorSource(try Tensor(name: name + ".input_scale", shape: [], floats: [s])))
                }
            } else if isInt8 && name == CanonicalName.tokenEmbed {
                // Stored int8 per row; the runtime keeps it int8 and dequantizes the rows each lookup reads.
                appendPerChannel(bits: 8) { .init(name: name, kind: "int8 storage", weightError: $0, outputError: nil) }
            } else if dtype.isFloat && e.shape.count >= 2 && !(CanonicalName.isLinearWeight(name) && excluded(name) && isInt8) {
                tensors.append(TensorSource(name: name, dtype: half, shape: e.shape) {
                    let (h, err) = try WeightQuantization.half(try load(), to: half)
                    report.add(.init(name: name, kind: half.rawValue, weightError: err, outputError: nil))
                    return h
                })
            } else {
                tensors.append(TensorSource(name: name, dtype: dtype, shape: e.shape, load: load))
            }
        }
        var meta = file.metadata
        let type = !isInt8 ? options.target.rawValue : (plan.isStatic ? "int8_static" : "int8_weight_only")
        var calSummary: [String: String]? = nil
        if let cal = options.calibration {
            calSummary = ["method": cal.method, "images": "\(cal.images)", "texts": "\(cal.texts)", "smooth_alpha": "\(cal.smoothAlpha)",
                          "created_at": cal.createdAt]
            if let p = options.calibrationPath { calSummary?["file"] = URL(fileURLWithPath: p).lastPathComponent }
        }
        meta.provenance.quantization = QuantizationRecord(
            type: type, excluded: isInt8 ? file.tensorNames.filter { CanonicalName.isLinearWeight($0) && excluded($0) } : [],
            smoothAlpha: plan.isStatic ? plan.alpha : nil, calibration: calSummary, fallbacks: report.fallbacks.map(\.name),
            weightBits: isInt8 && options.weightBits != 8 ? options.weightBits : nil)
        meta.provenance.notes += report.notes
        meta.provenance.notes += report.fallbacks.map { "static int8: '\($0.name)' kept dynamic activations: \($0.reason)" }
        meta.provenance.converterVersion = clipzVersion
        meta.provenance.createdAt = ISO8601DateFormatter().string(from: Date())
        return (ModelSource(metadata: meta, tensors: tensors, inputPaths: [file.path] + (options.calibrationPath.map { [$0] } ?? [])), quant, report)
    }
}
