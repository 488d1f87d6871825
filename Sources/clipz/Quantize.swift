import ArgumentParser
import ClipzCore
import ClipzFormat
import ClipzQuant
import ClipzRuntime
import ClipzValidate
import Foundation

struct Quantize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Shrink a .clipz: fp16/bf16 weights, or int8 (weight-only, or static W8A8 with --calibration).",
        discussion: """
            int8: linear weights (q, k, v, out, fc1, fc2, projections, patch embedding) become symmetric per-channel \
            int8; activations are quantized per token at run time, or with calibrated static scales when \
            --calibration is given (LayerNorm-fed layers smoothed SmoothQuant-style). LayerNorm, softmax, attention \
            scores, the residual stream and embedding lookups stay float.

            The calibration file is checked against the model (layer names, channel counts, finite clips no larger \
            than what each layer's LayerNorm and weights can produce); then each layer's static int8 output error is \
            measured on the float model over --guard-images (default: 8 seeded synthetic images) and built-in \
            prompts. Layers that fail a check or whose measured error exceeds --guard keep dynamic activations; \
            each is listed with its reason (also in the output's provenance and in --json).

            --weight-bits 7 stores linear weights in -63...63 (twice the rounding step of 8 bits): on x86 CPUs with \
            AVX2 but no VNNI the int8 kernel then needs 3 instructions per 32 products instead of 4, which is faster \
            where the core has two vpmaddubsw ports (`clipz system --peak` measures both). Every CPU runs either kind \
            of file and computes the same values from it.
            """)
    @Argument(help: "Input fp32 .clipz.") var input: String
    @OptionGroup var out: ModelOutput
    @Option(name: .customLong("type"), help: "fp16 | bf16 | int8") var type: String
    @Option(help: "Calibration JSON from `clipz calibrate` (int8 static).") var calibration: String?
    @Option(help: "Regex of canonical weight names to keep in float.") var exclude: String?
    @Option(help: "SmoothQuant α (default: the calibration's).") var smooth: Double?
    @Option(name: .customLong("guard"), help: "Max relative output error before a layer falls back to dynamic activations.") var guardBound = 0.05
    @Option(help: "Folder of images (directly in it) the guard measures on; default: 8 seeded synthetic images.") var guardImages: String?
    @Option(help: "int8 linear weight bits: 8, or 7 (faster on AVX2 CPUs without VNNI, slightly less accurate).") var weightBits = 8
    @Flag(help: "Print the per-layer report as JSON.") var json = false

    func validate() throws {
        guard Quantizer.Target(rawValue: type) != nil else { throw ValidationError("--type must be fp16, bf16 or int8") }
        if calibration != nil && type != "int8" { throw ValidationError("--calibration only applies to --type int8") }
        if let s = smooth, !(0...1).contains(s) { throw ValidationError("--smooth must be in 0...1") }
        if !(guardBound >= 0) { throw ValidationError("--guard must be ≥ 0") }
        if guardImages != nil && calibration == nil { throw ValidationError("--guard-images only applies with --calibration") }
        if weightBits != 8 && type != "int8" { throw ValidationError("--weight-bits only applies to --type int8") }
        if !WeightQuantization.supportedBits.contains(weightBits) { throw ValidationError(QuantError.badWeightBits(weightBits).description) }
    }

    func run() throws {
        let file = try ClipzFile(path: input)
        let cal = try calibration.map(CalibrationFile.read)
        // The options (and the float model the guard probes) are temporaries: freed before the output streams.
        let (model, quant, report) = try Quantizer.quantize(file, options: try quantizerOptions(file, cal))
        let outBytes = try writeModel(model, to: out.output, force: out.force, quiet: out.quiet, quant: quant)
        let rows = report.rows
        if json {
            try Output.json(["type": model.metadata.provenance.quantization?.type ?? type, "fallbacks": report.fallbacks.map(\.name),
                             "fallback_reasons": Dictionary(uniqueKeysWithValues: report.fallbacks.map { ($0.name, $0.reason) }),
                             "layers": rows.map { r -> [String: Any] in
                                 var d: [String: Any] = ["name": r.name, "kind": r.kind, "weight_error": r.weightError]
                                 if let o = r.outputError { d["output_error"] = o }
                                 return d
                             }, "input_bytes": file.fileBytes, "output_bytes": outBytes])
        }
        for f in report.fallbacks { Output.warn("static int8: '\(f.name)' kept dynamic activations: \(f.reason)") }
        guard !out.quiet else { return }
        let w = rows.map(\.weightError)
        Output.info(String(format: "%@: %d tensors changed; weight relative error mean %.5f, max %.5f", model.metadata.provenance.quantization?.type ?? type,
                           rows.count, w.isEmpty ? 0 : w.reduce(0, +) / Double(w.count), w.max() ?? 0))
        for r in rows.sorted(by: { ($0.outputError ?? $0.weightError) > ($1.outputError ?? $1.weightError) }).prefix(8) {
            Output.info("  " + pad(r.name, 40) + " " + pad(r.kind, 13) + String(format: " weight err %.5f", r.weightError)
                        + (r.outputError.map { String(format: ", output err %.5f", $0) } ?? ""))
        }
        for n in report.notes { Output.warn(n) }
        Output.info(String(format: "  size %@ → %@ (%.3f×)", formatBytes(file.fileBytes), formatBytes(outBytes), Double(outBytes) / Double(file.fileBytes)))
    }

    func quantizerOptions(_ file: ClipzFile, _ cal: CalibrationFile?) throws -> Quantizer.Options {
        // An int8 input is refused by the quantizer with its own message; no probe to build for it.
        let probe = try cal.flatMap { _ in file.entries.contains { $0.dtype == "i8" } ? nil : try guardProbe() }
        return Quantizer.Options(target: Quantizer.Target(rawValue: type)!, calibration: cal, calibrationPath: calibration,
                                 exclude: exclude, smoothAlpha: smooth, guardBound: guardBound, probe: probe, weightBits: weightBits)
    }

    /// The float model over the guard's inputs: --guard-images or seeded synthetic images, and built-in prompts.
    func guardProbe() throws -> ModelActivations {
        let model = try CLIPModel(path: input)
        let inputs = try ValidationInputs.make(model: model, imagesDir: guardImages)
        let n = min(inputs.imageCount, 64)
        return try ModelActivations(model: model, pixels: try inputs.pixels(0..<n, model: model), imageCount: n, tokens: inputs.tokens,
                                    batch: 64)
    }
}
