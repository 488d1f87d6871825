import ArgumentParser
import ClipzCore
import ClipzFormat
import ClipzImport
import Foundation

struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import a CLIP checkpoint (ONNX, safetensors, .npz, .npy folder, raw dump) into a fp32 .clipz.",
        discussion: """
            SRC may be: one ONNX graph with both towers, or two (image + text, any order); a .safetensors file, \
            a sharded model.safetensors.index.json, or a folder holding them (Hugging Face or open_clip names); \
            a .npz; a folder of .npy files; a folder with a raw-dump manifest.json (Formats/raw-dump.md).

            ONNX graphs are matched by data flow (not names); dumps take hyper-parameters from --config or the \
            folder's config.json / open_clip config, else infer them from shapes (with a warning). \
            The tokenizer comes from --tokenizer, else files beside the source, else the bundled CLIP vocabulary.
            """)

    @Argument(help: "Source file(s) or folder.") var sources: [String]
    @OptionGroup var out: ModelOutput
    @Option(help: "Model config JSON (Hugging Face config.json or open_clip model config).") var config: String?
    @Option(help: "Tokenizer: tokenizer.json, merges.txt (+ vocab.json beside it), bpe_simple_vocab_16e6.txt, or a folder.") var tokenizer: String?
    @Option(help: "Model name recorded in provenance.") var name: String?
    @Flag(help: "Fail on NaN/Inf weights instead of warning.") var strict = false
    @Flag(help: "Print a JSON summary on stdout.") var json = false

    func validate() throws {
        if sources.count > 2 { throw ValidationError("give one source, or two ONNX tower graphs; got \(sources.count)") }
    }

    func run() throws {
        let start = Date()
        let (model, report) = try SourceImporter.load(paths: sources, options: .init(configPath: config, tokenizerPath: tokenizer, name: name, strict: strict))
        try AtomicOutput.checkOutput(out.output, inputs: model.inputPaths, force: out.force)
        let c = model.metadata.config
        if !out.quiet {
            Output.info("matched \(model.metadata.provenance.importer): \(sources.joined(separator: " "))")
            Output.info("  vision: " + (c.vision.map { v in "\(v.layers) layers, width \(v.width), \(v.heads) heads, patch \(v.patchSize), image \(v.imageSize), mlp \(v.mlpDim), \(v.activation.rawValue)" } ?? "none (text encoder only)"))
            Output.info("  text:   " + (c.text.map { t in "\(t.layers) layers, width \(t.width), \(t.heads) heads, context \(t.contextLength), vocab \(t.vocabSize), \(t.activation.rawValue), pooling \(t.pooling.rawValue)" } ?? "none (image encoder only)"))
            Output.info("  embed:  \(c.embedDim) (\(c.familyName), \(c.scoring.rawValue) scoring); tokenizer: \(c.text == nil ? "none" : model.metadata.tokenizer.source ?? "?")")
            for n in model.metadata.provenance.notes { Output.warn(n) }
        }
        try writeModel(model, to: out.output, force: out.force, quiet: out.quiet)
        if !report.tensors.isEmpty { Output.warn("NaN or Inf values in \(report.tensors.count) tensors: \(report.tensors.joined(separator: ", ")) (use --strict to refuse)") }
        if json {
            let enc = JSONEncoder()
            try Output.json([
                "output": out.output, "importer": model.metadata.provenance.importer,
                "config": try JSONSerialization.jsonObject(with: enc.encode(c)),
                "notes": model.metadata.provenance.notes, "non_finite_tensors": report.tensors,
                "seconds": Date().timeIntervalSince(start),
            ])
        }
    }
}
