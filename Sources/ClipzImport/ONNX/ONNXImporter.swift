import ClipzCore
import Foundation

/// Imports CLIP (and SigLIP) from ONNX graphs by following the data flow from the image and token inputs
/// (never by initializer names, which exporters anonymise). Accepts one combined graph or a
/// vision graph plus a text graph, in any order.
public enum ONNXImporter {
    /// True for paths ending in `.onnx`.
    public static func canHandle(path: String) -> Bool { path.lowercased().hasSuffix(".onnx") }

    /// Reads the graph(s), matches both towers (CLIP's, or SigLIP's: attention-pooling head, bidirectional
    /// text pooled at the last position) and returns the canonical model; tensors load lazily.
    /// - Throws: `ImportError` (`graphMismatch` naming the node where matching stopped, `malformed`
    ///   for corrupt files, `unsupported` when a tower is missing).
    public static func load(paths: [String]) throws -> ModelSource {
        guard !paths.isEmpty, paths.count <= 2 else {
            throw ImportError.config(file: paths.joined(separator: ", "), detail: "ONNX import takes one combined graph or two tower graphs (got \(paths.count))")
        }
        let graphs = try paths.map { try ONNXGraph(model: ONNXProtoModel(path: $0)) }
        var vision: (ONNXGraph, TowerMatch)?, text: (ONNXGraph, TowerMatch)?
        for g in graphs {
            if let i = g.imageInput {
                guard vision == nil else { throw ImportError.config(file: g.file, detail: "two graphs both have an image input") }
                vision = (g, try g.matchVision(input: i.name))
            }
            if let t = g.textInput {
                guard text == nil else { throw ImportError.config(file: g.file, detail: "two graphs both have a token-id input") }
                text = (g, try g.matchText(input: t.name))
            }
            if g.imageInput == nil && g.textInput == nil {
                throw ImportError.graphMismatch(file: g.file, node: "graph inputs", expected: "a 4-D float image input or an integer token-id input")
            }
        }
        // One graph may hold one tower only (an image or a text encoder published alone): the file then holds that tower.
        let v = vision?.1, t = text?.1
        guard v != nil || t != nil else { throw ImportError.unsupported(file: paths[0], detail: "no image or text tower found") }
        if let v, let t, let tg = text?.0, v.projectionDim != t.projectionDim {
            throw ImportError.graphMismatch(file: tg.file, node: "text projection", expected: "the same embed dim as the vision \(v.visionProjection ? "projection" : "pooled width") (\(v.projectionDim), found \(t.projectionDim))")
        }
        var notes = ["opset \(graphs.map { String($0.opset) }.joined(separator: ", "))"] + (v?.notes ?? []) + (t?.notes ?? [])
        if v == nil || t == nil { notes.append("one tower only: the file holds the \(v == nil ? "text" : "image") encoder") }
        let folder = ModelFolder.containing(paths[0])
        var inputFiles = paths
        // SigLIP's ids (SentencePiece </s> = pad = 1) unless a SigLIP config.json beside the graphs says otherwise.
        var tokenizer = TokenizerSpec()
        if let t, t.pooling == .last {
            tokenizer = try siglipTokenizer(folder: folder, context: t.contextLength, files: &inputFiles, notes: &notes)
        } else if let t {
            let eos = t.eosTokenID ?? t.vocabSize - 1
            if t.eosTokenID == nil { notes.append("text: eos_token_id \(eos) assumed as the largest id (argmax_id pooling picks the largest id)") }
            tokenizer = TokenizerSpec(eosTokenID: eos, contextLength: t.contextLength)
        }
        let visionConfig = v.map { v -> VisionConfig in
            var c = VisionConfig(imageSize: v.imageSize, patchSize: v.patchSize, width: v.width, layers: v.layers, heads: v.heads,
                                 mlpDim: v.mlpDim, layerNormEps: v.eps, activation: v.activation)
            c.classToken = v.classToken; c.preLN = v.preLN; c.patchBias = v.patchBias
            c.pooling = v.visionPooling; c.projection = v.visionProjection
            return c
        }
        let textConfig = t.map { t -> TextConfig in
            var c = TextConfig(contextLength: t.contextLength, vocabSize: t.vocabSize, width: t.width, layers: t.layers, heads: t.heads,
                               mlpDim: t.mlpDim, layerNormEps: t.eps, activation: t.activation, pooling: t.pooling, eosTokenID: tokenizer.eosTokenID)
            c.causal = t.causal; c.projectionBias = t.projectionBias
            if t.pooling == .last { c.padTokenID = tokenizer.padTokenID }
            return c
        }

        var plans: [String: TensorPlan] = [:]
        for (name, p) in (v?.plans ?? []) + (t?.plans ?? []) { plans[name] = p }
        if case let (ls, bias)? = graphs.lazy.compactMap({ $0.logitScale() }).first {
            plans[CanonicalName.logitScale] = TensorPlan(ref: ls, layout: .reshape, shape: [])
            notes.append("logit_scale from the Exp of '\(ls.name)'")
            if let bias {
                plans[CanonicalName.logitBias] = TensorPlan(ref: bias, layout: .reshape, shape: [])
                notes.append("logit_bias from the Add of '\(bias.name)' after the scaled logits")
            }
        }
        // The attention-pooling head is SigLIP's; so is a bias added to the scaled logits.
        let probe = v?.visionPooling == .attentionProbe
        let sigmoid = probe || t?.pooling == .last || plans[CanonicalName.logitBias] != nil
        var config = ModelConfig(vision: visionConfig, text: textConfig, embedDim: v?.projectionDim ?? t?.projectionDim ?? 0,
                                 scoring: sigmoid ? .sigmoid : .softmax)
        if sigmoid { notes.append("scoring sigmoid (SigLIP structure: \(probe ? "attention-pooling head" : t?.pooling == .last ? "last-position text pooling" : "logit bias"))") }
        try config.validate()

        // Split towers carry no logit scale (or bias): trained values are model-specific, so defaults stand in
        // (CLIP's clamp value 100; SigLIP's initialisation, scale 10 and bias -10). Embeddings do not use them.
        let defaults: [String: (Double, String)] = [
            CanonicalName.logitScale: sigmoid ? (log(10.0), "log(10) = 2.3026 (SigLIP's initialisation)") : (log(100.0), "log(100) = 4.6052"),
            CanonicalName.logitBias: (-10, "-10 (SigLIP's initialisation)"),
        ]
        var tensors: [TensorSource] = []
        for (name, shape) in CanonicalName.expectedShapes(config) {
            if plans[name] == nil, case let (value, text)? = defaults[name] {
                notes.append("\(name): no \(name == CanonicalName.logitScale ? "Exp(constant)" : "constant added to the scaled logits") in the graph; default \(text); "
                             + "embeddings and class rankings do not depend on it, probabilities do")
                tensors.append(TensorSource(try Tensor(name: name, shape: [], floats: [Float(value)])))
                continue
            }
            guard let plan = plans[name] else { throw ImportError.missingTensor(file: paths[0], name: name, hint: "the graph matcher did not find it") }
            guard plan.shape == shape else { throw ImportError.shapeMismatch(file: plan.ref.file, tensor: name, expected: shape, actual: plan.shape) }
            tensors.append(try plan.canonical(name))
        }
        // An exporter that saved the processor beside the graph (optimum, save_pretrained) says which pipeline
        // the model was trained with; a bare graph gets torchvision's (open_clip's) defaults, or SigLIP's
        // (square resize, mean and std 0.5).
        let imageSize = v?.imageSize ?? 224  // a text-only file's preprocessing is never used
        var preprocessing = sigmoid
            ? Preprocessing(resizeShortest: imageSize, cropSize: imageSize, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], resize: .square)
            : Preprocessing(resizeShortest: imageSize, cropSize: imageSize)
        let processor = DumpPaths.join(folder, "preprocessor_config.json")
        if v != nil, FileManager.default.fileExists(atPath: processor) {
            preprocessing = try HFPreprocessor.read(path: processor, imageSize: imageSize, patchSize: v?.patchSize)
            inputFiles.append(processor)
            // The graph gives grid × patch; a processor size with the same grid (HFPreprocessor refuses any other)
            // is the trained one (So400m/14: 384 px, 27 patches of 14, the last 6 pixel rows and columns unread).
            if var vc = config.vision, preprocessing.cropSize != vc.imageSize {
                notes.append("vision: image \(preprocessing.cropSize) from preprocessor_config.json (the graph's \(vc.grid) × \(vc.patchSize) "
                             + "patches cover \(vc.imageSize) of it)")
                vc.imageSize = preprocessing.cropSize
                config.vision = vc
                try config.validate()
            }
        } else if sigmoid, v != nil {
            notes.append("no preprocessor_config.json beside the graphs: SigLIP's square resize to \(imageSize), mean and std 0.5")
        }
        let sources = try inputFiles.map { p -> SourceFile in
            let bytes = ((try? FileManager.default.attributesOfItem(atPath: p))?[.size] as? NSNumber)?.intValue ?? 0
            return SourceFile(path: p, sha256: try SHA256.hexOfFile(at: p), bytes: bytes)
        }
        let meta = ModelMetadata(
            config: config,
            preprocessing: preprocessing,
            tokenizer: tokenizer,
            provenance: Provenance(sources: sources, importer: "onnx", converterVersion: clipzVersion,
                                   createdAt: ISO8601DateFormatter().string(from: Date()), notes: notes))
        return ModelSource(metadata: meta, tensors: tensors, inputPaths: inputFiles)
    }
}

extension ONNXGraph {
    /// The logit scale as trained (its log): the one-element constant fed to an Exp node; with the
    /// logit bias (SigLIP) when a one-element constant is added to the logits that Exp scales.
    func logitScale() -> (scale: SourceTensor, bias: SourceTensor?)? {
        for n in nodes where n.opType == "Exp" {
            guard let c = constant(source(n.input(0))), c.elementCount == 1, c.dtype.loaded.isFloat, let e = n.outputs.first else { continue }
            for (mul, _) in uses(e) where mul.opType == "Mul" {
                guard let m = mul.outputs.first else { continue }
                for (add, _) in uses(m) where add.opType == "Add" {
                    if let b = constant(source(otherInput(add, than: m))), b.elementCount == 1, b.dtype.loaded.isFloat { return (c, b) }
                }
            }
            return (c, nil)
        }
        return nil
    }
}

extension ONNXImporter {
    /// The SentencePiece tokenizer spec of a SigLIP text tower: ids from a SigLIP `config.json` beside the
    /// graphs when there is one, else SigLIP's (eos = pad = 1); the context is the graph's.
    static func siglipTokenizer(folder: String, context: Int, files: inout [String], notes: inout [String]) throws -> TokenizerSpec {
        let config = DumpPaths.join(folder, "config.json")
        if FileManager.default.fileExists(atPath: config), let j = try? DumpPaths.jsonObject(at: config), j["model_type"] as? String == "siglip" {
            var spec = try HFConfig.parseSigLIP(j, file: config).1
            if spec.contextLength != context {
                notes.append("text: config.json says context \(spec.contextLength); the graph's \(context) position rows are used")
                spec.contextLength = context
            }
            files.append(config)
            notes.append("text: eos id \(spec.eosTokenID), pad id \(spec.padTokenID) from config.json; pooling at the last position")
            return spec
        }
        notes.append("text: eos id 1, pad id 1 assumed (SigLIP's SentencePiece </s>; no SigLIP config.json beside the graphs); pooling at the last position")
        return TokenizerSpec.siglip(eos: 1, pad: 1, contextLength: context)
    }
}
