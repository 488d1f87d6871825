import ClipzCore
import ClipzText
import Foundation

/// Front door of the importers: recognises the source kind, runs the matching importer, attaches
/// the tokenizer and provenance, and checks the result against the canonical layout.
public enum SourceImporter {
    public struct Options: Sendable {
        /// Model config JSON (Hugging Face `config.json` or open_clip's model config).
        public var configPath: String?
        /// Tokenizer file or folder (`--tokenizer`).
        public var tokenizerPath: String?
        /// Name recorded in provenance.
        public var name: String?
        /// Treat NaN/Inf weights as an error instead of a warning.
        public var strict = false
        public init(configPath: String? = nil, tokenizerPath: String? = nil, name: String? = nil, strict: Bool = false) {
            self.configPath = configPath; self.tokenizerPath = tokenizerPath; self.name = name; self.strict = strict
        }
    }

    /// Collects tensors with NaN/Inf values while they stream through the writer.
    public final class NonFiniteReport: @unchecked Sendable {
        private let lock = NSLock()
        private var names: [String] = []
        public var tensors: [String] { lock.lock(); defer { lock.unlock() }; return names }
        func add(_ n: String) { lock.lock(); names.append(n); lock.unlock() }
    }

    /// - Parameter paths: one or two sources (e.g. `vision.onnx text.onnx`).
    /// - Returns: the canonical model, its tensors still unloaded, and a report that fills up as they load.
    /// - Throws: `ImportError` naming the file and what is wrong.
    public static func load(paths: [String], options: Options = Options()) throws -> (ModelSource, NonFiniteReport) {
        guard !paths.isEmpty else { throw ImportError.unknownSource(path: "(no input)") }
        for p in paths where !FileManager.default.fileExists(atPath: p) { throw ImportError.io(file: p, message: "no such file or folder") }
        var model: ModelSource
        if paths.allSatisfy({ $0.lowercased().hasSuffix(".onnx") }) {
            model = try ONNXImporter.load(paths: paths)
            if options.configPath != nil { model.metadata.provenance.notes.append("--config ignored: ONNX hyper-parameters come from the graph") }
        } else if paths.allSatisfy(DumpImporter.canHandle) {
            model = try DumpImporter.load(paths: paths, configPath: options.configPath)
        } else {
            throw ImportError.unknownSource(path: paths.first { !DumpImporter.canHandle(path: $0) && !$0.lowercased().hasSuffix(".onnx") } ?? paths[0])
        }
        do { try model.validateCanonical() } catch {
            throw ImportError.config(file: paths[0], detail: "imported model is incomplete: \(error)")
        }
        let tokenizerFile: String?
        if model.metadata.config.text == nil {
            tokenizerFile = nil  // an image encoder alone has no tokenizer to carry
        } else if model.metadata.tokenizer.kind == TokenizerSpec.sentencePieceKind {
            tokenizerFile = try attachSentencePiece(&model, explicit: options.tokenizerPath, near: paths)
        } else {
            tokenizerFile = try attachBPE(&model, explicit: options.tokenizerPath, near: paths)
        }
        model.metadata.provenance.name = options.name ?? model.metadata.provenance.name ?? URL(fileURLWithPath: paths[0]).deletingPathExtension().lastPathComponent
        model.metadata.provenance.converterVersion = clipzVersion
        model.metadata.provenance.createdAt = ISO8601DateFormatter().string(from: Date())
        model.inputPaths = paths + (tokenizerFile.map { [$0] } ?? [])
        let report = NonFiniteReport()
        let strict = options.strict
        model.tensors = model.tensors.map { src in
            var s = src
            let inner = src.load
            s.load = {
                let t = try inner()
                if !t.allFinite {
                    if strict { throw ImportError.malformed(file: paths[0], detail: "tensor '\(t.name)' contains NaN or Inf (--strict)") }
                    report.add(t.name)
                }
                return t
            }
            return s
        }
        return (model, report)
    }

    /// CLIP's BPE merges (found beside the source, or bundled) as `tokenizer.bpe_merges`; returns the file used (nil: bundled).
    private static func attachBPE(_ model: inout ModelSource, explicit: String?, near paths: [String]) throws -> String? {
        let tok = try TokenizerAssets.locate(explicit: explicit, near: paths)
        let tokenizer = try CLIPTokenizer(mergesText: tok.mergesText, file: tok.source)
        model.tensors.append(TensorSource(try tok.tensor()))
        model.metadata.tokenizer = TokenizerSpec(kind: TokenizerSpec.clipBPEKind, bosTokenID: tokenizer.startOfTextID, eosTokenID: tokenizer.endOfTextID,
                                                 padTokenID: 0, contextLength: model.metadata.config.text?.contextLength ?? 77,
                                                 lowercase: true, mergesSHA256: tok.sha256,
                                                 source: tok.source == "bundled" ? "bundled" : URL(fileURLWithPath: tok.source).lastPathComponent)
        noteVocabulary(tokenizer.vocabularySize, &model)
        return tok.source == "bundled" ? nil : tok.source
    }

    /// SigLIP's SentencePiece model (beside the source or `--tokenizer`) as `tokenizer.spm_model`; returns the file used.
    private static func attachSentencePiece(_ model: inout ModelSource, explicit: String?, near paths: [String]) throws -> String {
        let assets = try SentencePieceAssets.locate(explicit: explicit, near: paths, spec: model.metadata.tokenizer)
        model.tensors.append(TensorSource(try assets.tensor()))
        var spec = assets.spec
        spec.modelSHA256 = assets.sha256
        spec.source = URL(fileURLWithPath: assets.file).lastPathComponent
        model.metadata.tokenizer = spec
        // The text tower pads with the tokenizer's pad id and pools past it: they must agree.
        model.metadata.config.text?.padTokenID = spec.padTokenID
        noteVocabulary(assets.tokenizer.vocabularySize, &model)
        return assets.file
    }

    private static func noteVocabulary(_ size: Int, _ model: inout ModelSource) {
        if let vocab = model.metadata.config.text?.vocabSize, size != vocab {
            model.metadata.provenance.notes.append("tokenizer has \(size) ids but the model's vocabulary is \(vocab); texts with ids beyond it cannot be embedded")
        }
    }
}
