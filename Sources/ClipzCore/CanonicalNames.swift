/// Canonical tensor names (Formats/tensors.md). Linear weights are [out, in] (PyTorch
/// `nn.Linear` layout); the patch convolution is [width, 3, patch, patch].
public enum CanonicalName {
    public enum Tower: String, Sendable { case vision, text }

    public static let logitScale = "logit_scale"            // [] log of the logit scale (as trained)
    public static let logitBias = "logit_bias"              // [] sigmoid scoring only (SigLIP)
    public static let spmModel = "tokenizer.spm_model"       // u8 [bytes] serialized SentencePiece model (SigLIP)
    public static let bpeMerges = "tokenizer.bpe_merges"     // u8 [bytes]

    public static let patchEmbed = "vision.patch_embed.weight"   // [W, 3, P, P]
    public static let classEmbed = "vision.class_embed"          // [W]
    public static let visionPos = "vision.pos_embed"             // [grid*grid+1, W]
    public static let preLN = "vision.pre_ln"                    // .weight / .bias [W]
    public static let postLN = "vision.post_ln"                  // .weight / .bias [W]
    public static let visionProj = "vision.proj.weight"          // [D, W]
    public static let patchBias = "vision.patch_embed.bias"      // [W] (patch_bias)
    /// Attention-probe pooling head (pooling = attention_probe): `vision.head.probe` [W], then
    /// `vision.head.attn.{q,k,v,out}`, `vision.head.ln`, `vision.head.mlp.{fc1,fc2}` like a block's.
    public static let headProbe = "vision.head.probe"
    public static let head = "vision.head"

    public static let tokenEmbed = "text.token_embed"            // [V, W]
    public static let textPos = "text.pos_embed"                 // [L, W]
    public static let finalLN = "text.final_ln"                  // .weight / .bias [W]
    public static let textProj = "text.proj.weight"              // [D, W]
    public static let textProjBias = "text.proj.bias"            // [D] (projection_bias)

    /// Per-layer parameter suffixes, in file order.
    public static let layerParams = [
        "ln1.weight", "ln1.bias",
        "attn.q.weight", "attn.q.bias", "attn.k.weight", "attn.k.bias", "attn.v.weight", "attn.v.bias",
        "attn.out.weight", "attn.out.bias",
        "ln2.weight", "ln2.bias",
        "mlp.fc1.weight", "mlp.fc1.bias", "mlp.fc2.weight", "mlp.fc2.bias",
    ]

    public static func layer(_ tower: Tower, _ i: Int, _ param: String) -> String { "\(tower.rawValue).layers.\(i).\(param)" }

    /// The towers `c` holds (vision first) with their layer counts.
    public static func towerLayers(_ c: ModelConfig) -> [(tower: Tower, layers: Int)] {
        [c.vision.map { (Tower.vision, $0.layers) }, c.text.map { (Tower.text, $0.layers) }].compactMap { $0 }
    }

    /// Every canonical tensor with its expected shape for `config`, in the order files store them:
    /// the towers present, then `logit_scale` (and `logit_bias`) only when both are (a single tower has no scoring).
    public static func expectedShapes(_ c: ModelConfig) -> [(String, [Int])] {
        var out: [(String, [Int])] = []
        if let v = c.vision { out += visionShapes(v, embedDim: c.embedDim) }
        if let t = c.text { out += textShapes(t, embedDim: c.embedDim) }
        if c.hasBothTowers {
            out.append((logitScale, []))
            if c.scoring == .sigmoid { out.append((logitBias, [])) }
        }
        return out
    }

    static func visionShapes(_ v: VisionConfig, embedDim: Int) -> [(String, [Int])] {
        var out: [(String, [Int])] = []
        out.append((patchEmbed, [v.width, 3, v.patchSize, v.patchSize]))
        if v.patchBias { out.append((patchBias, [v.width])) }
        if v.classToken { out.append((classEmbed, [v.width])) }
        out.append((visionPos, [v.tokens, v.width]))
        if v.preLN { out.append((preLN + ".weight", [v.width])); out.append((preLN + ".bias", [v.width])) }
        for i in 0..<v.layers { out += layerShapes(.vision, i, v.width, v.mlpDim) }
        out.append((postLN + ".weight", [v.width])); out.append((postLN + ".bias", [v.width]))
        if v.pooling == .attentionProbe {
            out.append((headProbe, [v.width]))
            out += blockShapes(head, v.width, v.mlpDim).filter { !$0.0.hasPrefix(head + ".ln1") }.map { name, shape in
                (name.replacingOccurrences(of: head + ".ln2", with: head + ".ln"), shape)
            }
        }
        if v.projection { out.append((visionProj, [embedDim, v.width])) }
        return out
    }

    static func textShapes(_ t: TextConfig, embedDim: Int) -> [(String, [Int])] {
        var out: [(String, [Int])] = []
        out.append((tokenEmbed, [t.vocabSize, t.width]))
        out.append((textPos, [t.contextLength, t.width]))
        for i in 0..<t.layers { out += layerShapes(.text, i, t.width, t.mlpDim) }
        out.append((finalLN + ".weight", [t.width])); out.append((finalLN + ".bias", [t.width]))
        out.append((textProj, [embedDim, t.width]))
        if t.projectionBias { out.append((textProjBias, [embedDim])) }
        return out
    }

    static func layerShapes(_ tower: Tower, _ i: Int, _ w: Int, _ m: Int) -> [(String, [Int])] {
        blockShapes(layer(tower, i, "").dropLast().description, w, m)
    }

    /// A pre-LN block's parameters under `prefix` (a tower layer, or the pooling head's attention and MLP).
    static func blockShapes(_ prefix: String, _ w: Int, _ m: Int) -> [(String, [Int])] {
        let shapes: [String: [Int]] = [
            "ln1.weight": [w], "ln1.bias": [w], "ln2.weight": [w], "ln2.bias": [w],
            "attn.q.weight": [w, w], "attn.k.weight": [w, w], "attn.v.weight": [w, w], "attn.out.weight": [w, w],
            "attn.q.bias": [w], "attn.k.bias": [w], "attn.v.bias": [w], "attn.out.bias": [w],
            "mlp.fc1.weight": [m, w], "mlp.fc1.bias": [m], "mlp.fc2.weight": [w, m], "mlp.fc2.bias": [w],
        ]
        return layerParams.map { ("\(prefix).\($0)", shapes[$0]!) }
    }

    /// Companion tensors the quantizer writes beside a weight (Formats/clipz.md, "Quantized models").
    public static let scaleSuffix = ".scale"
    public static let inputScaleSuffix = ".input_scale"

    /// Checks a tensor table against `config`, the one rule for "the config accounts for every
    /// tensor": a canonical tensor has the shape the config implies; any other tensor must be the
    /// BPE merges (rank 1), `NAME.scale` ([rows of NAME]) of a linear weight or the token embedding,
    /// or `NAME.input_scale` ([]) of a linear weight. A file or source holding more layers than its
    /// config says is refused here instead of being silently cut short.
    /// - Parameter requireAll: also refuse a canonical tensor that is missing.
    /// - Throws: `CoreError.invalidConfig`, `.wrongShape`, `.unaccountedTensor`, `.missingTensor`.
    public static func checkAccounted(_ tensors: [(name: String, shape: [Int])], config: ModelConfig, requireAll: Bool) throws {
        try config.validate()
        var expected: [String: [Int]] = [:]
        for (name, shape) in expectedShapes(config) { expected[name] = shape }
        var present = Set<String>()
        for (name, shape) in tensors {
            present.insert(name)
            if let want = expected[name] {
                guard shape == want else { throw CoreError.wrongShape(tensor: name, expected: want, actual: shape) }
            } else if (name == bpeMerges || name == spmModel) && config.text != nil {
                guard shape.count == 1 else { throw CoreError.wrongShape(tensor: name, expected: [shape.first ?? 0], actual: shape) }
            } else if let base = companionBase(name), let want = expected[base.name] {
                let companion = base.isInputScale ? [] : [want.first ?? 1]
                let quantizable = isLinearWeight(base.name) || (!base.isInputScale && base.name == tokenEmbed)
                guard quantizable else { throw unaccounted(name, config) }
                guard shape == companion else { throw CoreError.wrongShape(tensor: name, expected: companion, actual: shape) }
            } else {
                throw unaccounted(name, config)
            }
        }
        if requireAll, let missing = expectedShapes(config).first(where: { !present.contains($0.0) }) {
            throw CoreError.missingTensor(missing.0)
        }
    }

    private static func companionBase(_ name: String) -> (name: String, isInputScale: Bool)? {
        if name.hasSuffix(inputScaleSuffix) { return (String(name.dropLast(inputScaleSuffix.count)), true) }
        if name.hasSuffix(scaleSuffix) { return (String(name.dropLast(scaleSuffix.count)), false) }
        return nil
    }

    private static func unaccounted(_ name: String, _ c: ModelConfig) -> CoreError {
        .unaccountedTensor(tensor: name, detail: "has no place in the model the config describes (\(describeTowers(c)), "
            + "Formats/tensors.md); the config is wrong or the tensors belong to another model")
    }

    /// "vision 12 layers, text 12 layers", or "vision 12 layers, no text tower": the towers a config describes.
    public static func describeTowers(_ c: ModelConfig) -> String {
        "\(c.vision.map { "vision \($0.layers) layers" } ?? "no vision tower"), \(c.text.map { "text \($0.layers) layers" } ?? "no text tower")"
    }

    /// True for weights that run through a GEMM (the ones the quantizer may shrink to int8).
    public static func isLinearWeight(_ name: String) -> Bool {
        name.hasSuffix("attn.q.weight") || name.hasSuffix("attn.k.weight") || name.hasSuffix("attn.v.weight") ||
            name.hasSuffix("attn.out.weight") || name.hasSuffix("mlp.fc1.weight") || name.hasSuffix("mlp.fc2.weight") ||
            name == visionProj || name == textProj || name == patchEmbed
    }
}
