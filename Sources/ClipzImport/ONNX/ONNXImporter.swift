import ClipzCore
import Foundation

/// Imports CLIP from ONNX graphs by following the data flow from the image and token inputs
/// (never by initializer names, which exporters anonymise). Accepts one combined graph or a
/// vision graph plus a text graph, in any order.
public enum ONNXImporter {
    /// True for paths ending in `.onnx`.
    public static func canHandle(path: String) -> Bool { path.lowercased().hasSuffix(".onnx") }

    /// Reads the graph(s), matches both towers and returns the canonical model; tensors load lazily.
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
        guard let (_, v) = vision else {
            throw ImportError.unsupported(file: paths[0], detail: "no vision tower found (no 4-D float image input): pass the image-tower ONNX file as "
                + "well; a text tower alone is not supported yet")
        }
        guard let (tg, t) = text else {
            throw ImportError.unsupported(file: paths[0], detail: "no text tower found (no integer token-id input): pass the text-tower ONNX file as "
                + "well; an image tower alone is not supported yet")
        }
        guard v.projectionDim == t.projectionDim else {
            throw ImportError.graphMismatch(file: tg.file, node: "text projection", expected: "the same embed dim as the vision projection (\(v.projectionDim), found \(t.projectionDim))")
        }
        var notes = ["opset \(graphs.map { String($0.opset) }.joined(separator: ", "))"] + v.notes + t.notes
        let eos = t.eosTokenID ?? t.vocabSize - 1
        if t.eosTokenID == nil { notes.append("text: eos_token_id \(eos) assumed as the largest id (argmax_id pooling picks the largest id)") }
        let config = ModelConfig(
            vision: VisionConfig(imageSize: v.imageSize, patchSize: v.patchSize, width: v.width, layers: v.layers, heads: v.heads,
                                 mlpDim: v.mlpDim, layerNormEps: v.eps, activation: v.activation),
            text: TextConfig(contextLength: t.contextLength, vocabSize: t.vocabSize, width: t.width, layers: t.layers, heads: t.heads,
                             mlpDim: t.mlpDim, layerNormEps: t.eps, activation: t.activation, pooling: t.pooling, eosTokenID: eos),
            embedDim: v.projectionDim)
        try config.validate()

        var plans: [String: TensorPlan] = [:]
        for (name, p) in v.plans + t.plans { plans[name] = p }
        if let ls = graphs.lazy.compactMap({ $0.logitScale() }).first {
            plans[CanonicalName.logitScale] = TensorPlan(ref: ls, layout: .reshape, shape: [])
            notes.append("logit_scale from the Exp of '\(ls.name)'")
        }
        var tensors: [TensorSource] = []
        for (name, shape) in CanonicalName.expectedShapes(config) {
            if name == CanonicalName.logitScale && plans[name] == nil {
                notes.append("logit_scale: no Exp(constant) in the graph; default log(100) = 4.6052")
                tensors.append(TensorSource(try Tensor(name: name, shape: [], floats: [Float(log(100.0))])))
                continue
            }
            guard let plan = plans[name] else { throw ImportError.missingTensor(file: paths[0], name: name, hint: "the graph matcher did not find it") }
            guard plan.shape == shape else { throw ImportError.shapeMismatch(file: plan.ref.file, tensor: name, expected: shape, actual: plan.shape) }
            tensors.append(try plan.canonical(name))
        }
        // An exporter that saved the processor beside the graph (optimum, save_pretrained) says which pipeline
        // the model was trained with; a bare graph gets torchvision's (open_clip's) defaults.
        var inputFiles = paths
        var preprocessing = Preprocessing(resizeShortest: v.imageSize, cropSize: v.imageSize)
        let processor = DumpPaths.join(ModelFolder.containing(paths[0]), "preprocessor_config.json")
        if FileManager.default.fileExists(atPath: processor) {
            preprocessing = try HFPreprocessor.read(path: processor, imageSize: v.imageSize)
            inputFiles.append(processor)
        }
        let sources = try inputFiles.map { p -> SourceFile in
            let bytes = ((try? FileManager.default.attributesOfItem(atPath: p))?[.size] as? NSNumber)?.intValue ?? 0
            return SourceFile(path: p, sha256: try SHA256.hexOfFile(at: p), bytes: bytes)
        }
        let meta = ModelMetadata(
            config: config,
            preprocessing: preprocessing,
            tokenizer: TokenizerSpec(eosTokenID: eos, contextLength: t.contextLength),
            provenance: Provenance(sources: sources, importer: "onnx", converterVersion: clipzVersion,
                                   createdAt: ISO8601DateFormatter().string(from: Date()), notes: notes))
        return ModelSource(metadata: meta, tensors: tensors, inputPaths: inputFiles)
    }
}

extension ONNXGraph {
    /// The logit scale as trained (its log): the one-element constant fed to an Exp node.
    func logitScale() -> ONNXTensorRef? {
        for n in nodes where n.opType == "Exp" {
            if let c = constant(source(n.input(0))), c.elementCount == 1, c.dtype?.isFloat == true { return c }
        }
        return nil
    }
}
