import ArgumentParser
import ClipzFormat
import ClipzImport
import ClipzRuntime
import ClipzValidate
import Foundation

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check that a .clipz still computes the same model as a reference (parity and accuracy).",
        discussion: """
            Runs the candidate and the reference on the same inputs and reports, per tower, the cosine of \
            candidate vs reference embeddings (mean, min, 1st percentile) and the largest difference of the \
            normalised embeddings; per-block drift of the hidden states; with --dataset, zero-shot top-1 \
            agreement and both accuracies; file sizes and images/s of both (alternating runs, median).

            Reference: a .clipz, or any source `clipz convert` accepts (converted in memory; give --reference \
            twice for separate image/text ONNX graphs), or --reference-embeddings with embeddings computed by \
            another framework: IMG.npy[,TXT.npy] float [N, D] (",TXT.npy" for texts only) or one .npz with \
            image_embeds / text_embeds. Rows must follow the input order exactly: --dataset images are sorted \
            by class folder then file name; --images files by name; texts are the class prompts in class \
            order (dataset mode) followed by --texts lines / --tokens rows.

            Inputs: images from --dataset, --images or --pixels (default: 8 seeded synthetic images, not \
            usable with stored embeddings); texts from --texts (one per line) or --tokens, plus the class \
            prompts in dataset mode (default without a dataset: a built-in prompt list). Both models see the \
            candidate's preprocessing and token ids.

            Exit codes: 0 within thresholds; 3 outside them (min cosine of either tower below --min-cosine, \
            or accuracy drop above --max-accuracy-drop points); 1 bad input or failed run; 2 usage error. \
            --json prints the report (schema: README.md, "validate: JSON schema and exit codes").
            """)

    @Argument(help: "Candidate .clipz file.") var candidate: String
    @Option(help: "Reference: .clipz or a convertible source (repeat for two ONNX tower graphs).") var reference: [String] = []
    @Option(help: "Reference embeddings from another framework: IMG.npy[,TXT.npy] or one .npz (image_embeds, text_embeds).") var referenceEmbeddings: String?
    @Option(help: "Model config for a dump reference (as `convert --config`).") var referenceConfig: String?
    @Option(help: "Tokenizer for a source reference (as `convert --tokenizer`).") var referenceTokenizer: String?
    @Option(help: "Labelled image folder DIR/<class>/*.{png,jpg}: zero-shot agreement and accuracy.") var dataset: String?
    @OptionGroup var paths: InputPaths
    @Option(help: "Texts, one per line.") var texts: String?
    @OptionGroup var zeroShot: ZeroShotOptions
    @Option(help: "Lowest acceptable per-input cosine, each tower.") var minCosine = 0.999
    @Option(help: "Largest acceptable zero-shot accuracy drop, in percentage points.") var maxAccuracyDrop = 0.5
    @Option(help: "Timed runs per model for the speed figure (0: skip timing).") var speedRuns = 3
    @Flag(help: "Print the report as JSON on stdout.") var json = false
    @Option(help: "Write a self-contained HTML report here.") var report: String?
    @Flag(help: "Replace an existing --report file.") var force = false
    @OptionGroup var options: RunOptions

    func validate() throws {
        if reference.isEmpty == (referenceEmbeddings == nil) { throw ValidationError("give either --reference or --reference-embeddings") }
        if reference.count > 2 { throw ValidationError("--reference takes one source, or two ONNX tower graphs") }
        if [dataset, paths.images, paths.pixels].compactMap({ $0 }).count > 1 { throw ValidationError("give at most one of --dataset, --images, --pixels") }
        if texts != nil && paths.tokens != nil { throw ValidationError("give at most one of --texts, --tokens") }
        if !minCosine.isFinite || minCosine < -1 || minCosine > 2 { throw ValidationError("--min-cosine must be a number in -1...2") }
        if !maxAccuracyDrop.isFinite || maxAccuracyDrop < -100 || maxAccuracyDrop > 100 { throw ValidationError("--max-accuracy-drop must be in -100...100 points") }
        if speedRuns < 0 || speedRuns > 100 { throw ValidationError("--speed-runs must be 0...100") }
    }

    func run() throws {
        let result = try makeReport()
        if json { try Output.json(result.jsonObject()) } else { print(result.textSummary()) }
        if let report {
            try result.writeHTML(to: report, inputs: [candidate] + self.reference, force: force)
            if !options.quiet { Output.info("wrote \(report)") }
        }
        if !result.passed { throw ValidationThresholdError(description: "validation failed: " + result.failures.joined(separator: "; ")) }
    }

    /// Loads both sides and the inputs, then runs the comparison.
    func makeReport() throws -> ValidationReport {
        if let report { try AtomicOutput.checkOutput(report, inputs: [candidate] + reference, force: force) }
        let model = try options.load(candidate)
        let ref: ValidationReference
        if let referenceEmbeddings {
            ref = try ValidationReference.loadEmbeddings(referenceEmbeddings, embedDim: model.embedDim)
        } else {
            ref = try ValidationReference.load(paths: reference, options: .init(configPath: referenceConfig, tokenizerPath: referenceTokenizer))
            // A reference converted in memory carries the importer's notes (e.g. a config inferred from shapes).
            let converted = !(reference.count == 1 && ValidationReference.isClipz(reference[0]))
            if case .model(let m, _, _) = ref, converted, !options.quiet, !json {
                for n in m.metadata.provenance.notes { Output.warn("reference: \(n)") }
            }
        }
        let inputs = try ValidationInputs.make(model: model, dataset: dataset, imagesDir: paths.images, pixelsNPY: paths.pixels,
                                               textsFile: texts, tokensNPY: paths.tokens, template: zeroShot.template,
                                               allowSynthetic: referenceEmbeddings == nil)
        let quiet = options.quiet || json
        let bars = ["images": Progress("images", quiet: quiet), "texts": Progress("texts", quiet: quiet)]
        let opts = Validator.Options(thresholds: .init(minCosine: minCosine, maxAccuracyDrop: maxAccuracyDrop), batch: zeroShot.batch,
                                     speedRuns: max(1, speedRuns), measureSpeed: speedRuns > 0)
        return try Validator.run(candidate: model, candidateName: URL(fileURLWithPath: candidate).lastPathComponent,
                                 candidateBytes: ValidationReference.diskBytes(candidate), reference: ref, inputs: inputs,
                                 options: opts) { stage, done, total in bars[stage]?.update(done, total) }
    }
}
