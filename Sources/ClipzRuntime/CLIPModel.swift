import ClipzCore
import ClipzFormat
import Foundation

/// A CLIP model ready to run on CPU: its towers (both, or one for a single-tower file), the logit
/// scale, the preprocessing and the tokenizer from its `.clipz` file, and the number of threads its
/// forward passes use. Asking a single-tower model for the absent tower throws `RuntimeError.absentTower`.
///
/// ```swift
/// let model = try CLIPModel(path: "model.clipz", threads: 2)
/// let images = try model.encodeImages(pixels: x, count: 2)       // [2 × embedDim]
/// let texts = try model.encodeTexts(tokens: [[49406, 320, 49407]])
/// ```
public final class CLIPModel: @unchecked Sendable {
    public let metadata: ModelMetadata
    public var config: ModelConfig { metadata.config }
    /// exp(logit_scale): multiplies cosine similarities into zero-shot logits (1 for a single tower, which has none).
    public let logitScale: Float
    /// Added to the scaled cosines of sigmoid-scored models (SigLIP's `logit_bias`); 0 for softmax ones.
    public let logitBias: Float
    let vision: VisionTower?
    let text: TextTower?
    /// Serialises forward passes: they share one workspace (concurrent calls on one model wait).
    let lock = NSLock()
    let workspace = Workspace()
    /// Every linear layer, by canonical weight name.
    let linears: [String: Linear]
    /// Tokenizer and image preprocessing (the tokenizer is built once, on first use).
    public let inputs: CLIPInputs
    /// Threads a forward pass uses (the caller's included) unless a call asks for another count.
    public let threads: Int

    /// Loads a `.clipz` file. f16/bf16 token embeddings stay 16-bit, and so do linear weights where the packed
    /// GEMMs run (widened as they are used); other f16/bf16 tensors are widened to f32 once.
    /// - Parameter threads: threads for forward passes (default: all cores).
    /// - Throws: `FormatError` for a damaged file, `RuntimeError`/`CoreError` for weights that do not fit the config.
    public convenience init(path: String, threads: Int? = nil) throws {
        let file = try ClipzFile(path: path)
        var info: [String: (dtype: DType?, shape: [Int])] = [:]
        for e in file.entries { info[e.name] = (e.knownDType, e.shape) }
        try self.init(metadata: file.metadata, info: info, load: file.tensor, floats: file.floats, threads: threads, file: path)
    }

    /// Builds a model from a canonical source (e.g. straight from an importer, without writing a file).
    /// - Parameter threads: threads for forward passes (default: all cores).
    public convenience init(source: ModelSource, threads: Int? = nil) throws {
        var byName: [String: TensorSource] = [:]
        for t in source.tensors { byName[t.name] = t }
        try self.init(metadata: source.metadata, info: byName.mapValues { (Optional($0.dtype), $0.shape) }, load: { name in
            guard let t = byName[name] else { throw CoreError.missingTensor(name) }
            return try t.load()
        }, threads: threads, file: source.metadata.provenance.name ?? "model")
    }

    init(metadata: ModelMetadata, info: [String: (dtype: DType?, shape: [Int])], load: @escaping (String) throws -> Tensor,
         floats: ((String) throws -> [Float])? = nil, threads: Int?, file: String) throws {
        self.metadata = metadata
        self.threads = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        try metadata.config.validate()
        // Clipz runs its own threads around single-threaded OpenBLAS calls (see F32GEMM).
        BLAS.load()
        BLAS.setThreads(1)
        let weights = WeightLoader(info: info, load: load, floats: floats)
        vision = try metadata.config.vision.map { try VisionTower(config: $0, weights: weights) }
        // Each tensor is decoded into a temporary before it is packed; once glibc has raised its mmap threshold
        // those temporaries fragment the heap, so the freed ones are handed back after each tower, not only at
        // the end (ViT-B/32 fp32 load peak 820 → 770 MB at the same load time; after every block: 739 MB, +10% time).
        Kernels.releaseFreeMemory()
        text = try metadata.config.text.map { try TextTower(config: $0, weights: weights) }
        linears = weights.linears
        if metadata.config.hasBothTowers {
            let ls = try weights.values(CanonicalName.logitScale)
            guard ls.count == 1 else { throw RuntimeError.badWeights("logit_scale must hold one value") }
            logitScale = Foundation.exp(ls[0])
        } else {
            logitScale = 1
        }
        if metadata.config.scoring == .sigmoid && metadata.config.hasBothTowers {
            let lb = try weights.values(CanonicalName.logitBias)
            guard lb.count == 1 else { throw RuntimeError.badWeights("logit_bias must hold one value") }
            logitBias = lb[0]
        } else {
            logitBias = 0
        }
        let assetName = CLIPInputs.assetName(metadata.tokenizer)
        inputs = try CLIPInputs(metadata: metadata, tokenizerAsset: info[assetName] != nil ? try load(assetName).bytes : nil, file: file)
        Kernels.releaseFreeMemory()
    }

    public var embedDim: Int { config.embedDim }

    /// The image tower's config; throws `RuntimeError.absentTower` for a text-only model.
    public func visionConfig() throws -> VisionConfig { try inputs.visionConfig() }
    /// The text tower's config; throws `RuntimeError.absentTower` for an image-only model.
    public func textConfig() throws -> TextConfig { try inputs.textConfig() }

    /// Image embeddings for preprocessed pixels [count, 3, S, S].
    /// - Parameters:
    ///   - normalize: L2-normalise each row.
    ///   - threads: threads for this call (default: the model's `threads`).
    ///   - onBlock: receives (block index, hidden states) after each vision block.
    /// - Returns: [count × embedDim], row-major.
    public func encodeImages(pixels: [Float], count: Int, normalize: Bool = false, threads: Int? = nil,
                             onBlock: ((Int, [Float]) -> Void)? = nil) throws -> [Float] {
        guard let vision else { throw RuntimeError.absentTower(file: inputs.file, missing: .vision) }
        return try forward(rows: count, normalize: normalize, threads: threads) {
            try vision.encode(pixels, batch: count, ws: workspace, onBlock: onBlock)
        }
    }

    /// Text embeddings for token id sequences (with BOS/EOS, ≤ context length; padding optional).
    /// - Parameter threads: threads for this call (default: the model's `threads`).
    public func encodeTexts(tokens: [[Int]], normalize: Bool = false, threads: Int? = nil,
                            onBlock: ((Int, [Float]) -> Void)? = nil) throws -> [Float] {
        guard let text else { throw RuntimeError.absentTower(file: inputs.file, missing: .text) }
        return try forward(rows: tokens.count, normalize: normalize, threads: threads) {
            try text.encode(tokens, ws: workspace, onBlock: onBlock)
        }
    }

    /// One tower's pass under the model's lock (the towers share one workspace) with this call's thread
    /// count; rows L2-normalised when asked.
    private func forward(rows: Int, normalize: Bool, threads: Int?, _ pass: () throws -> [Float]) throws -> [Float] {
        lock.lock(); defer { lock.unlock() }
        workspace.threads = max(1, threads ?? self.threads)
        var e = try pass()
        if normalize { Ops.l2Normalize(&e, rows: rows, width: embedDim) }
        return e
    }

    /// Zero-shot logits [images × texts] = logitScale · cos(image, text) + logitBias (0 for softmax models).
    public func logits(imageEmbeddings: [Float], textEmbeddings: [Float]) -> [Float] {
        ZeroShot.logits(images: imageEmbeddings, texts: textEmbeddings, width: embedDim, scale: logitScale, bias: logitBias)
    }

    /// Zero-shot scores [images × texts] by the model's scoring: softmax over each image's texts (CLIP),
    /// or an independent sigmoid per pair (SigLIP).
    public func scores(imageEmbeddings: [Float], textEmbeddings: [Float]) -> [Float] {
        let l = logits(imageEmbeddings: imageEmbeddings, textEmbeddings: textEmbeddings)
        let cols = embedDim > 0 ? textEmbeddings.count / embedDim : 0
        return ZeroShot.scores(l, cols: cols, scoring: config.scoring)
    }

    /// Installs (or removes, with nil) an observer that sees every linear layer's input; used by calibration.
    /// While an observer is set, the last blocks run on every token (no pruning to the pooled rows),
    /// so calibration statistics cover all positions.
    public func setLinearObserver(_ observer: LinearObserver?) {
        for l in linears.values { l.observer = observer }
        vision?.encoder.prunesLastBlock = observer == nil
        text?.encoder.prunesLastBlock = observer == nil
    }

    /// Canonical names of the linear weights and their [out, in] sizes.
    public var linearShapes: [String: (out: Int, in: Int)] { linears.mapValues { ($0.outDim, $0.inDim) } }

    /// True when the layer runs int8.
    public func isInt8(_ name: String) -> Bool { linears[name]?.isInt8 ?? false }
}
