/// Canonical tensor names (Formats/tensors.md). Linear weights are [out, in] (PyTorch
/// `nn.Linear` layout); the patch convolution is [width, 3, patch, patch].
public enum CanonicalName {
    public enum Tower: String, Sendable { case vision, text }

    public static let logitScale = "logit_scale"            // [] log of the logit scale (as trained)
    public static let bpeMerges = "tokenizer.bpe_merges"     // u8 [bytes]

    public static let patchEmbed = "vision.patch_embed.weight"   // [W, 3, P, P]
    public static let classEmbed = "vision.class_embed"          // [W]
    public static let visionPos = "vision.pos_embed"             // [grid*grid+1, W]
    public static let preLN = "vision.pre_ln"                    // .weight / .bias [W]
    public static let postLN = "vision.post_ln"                  // .weight / .bias [W]
    public static let visionProj = "vision.proj.weight"          // [D, W]

    public static let tokenEmbed = "text.token_embed"            // [V, W]
    public static let textPos = "text.pos_embed"                 // [L, W]
    public static let finalLN = "text.final_ln"                  // .weight / .bias [W]
    public static let textProj = "text.proj.weight"              // [D, W]

    /// Per-layer parameter suffixes, in file order.
    public static let layerParams = [
        "ln1.weight", "ln1.bias",
        "attn.q.weight", "attn.q.bias", "attn.k.weight", "attn.k.bias", "attn.v.weight", "attn.v.bias",
        "attn.out.weight", "attn.out.bias",
        "ln2.weight", "ln2.bias",
        "mlp.fc1.weight", "mlp.fc1.bias", "mlp.fc2.weight", "mlp.fc2.bias",
    ]

    public static func layer(_ tower: Tower, _ i: Int, _ param: String) -> String { "\(tower.rawValue).layers.\(i).\(param)" }

    /// Every canonical tensor with its expected shape for `config`, in the order files store them.
    public static func expectedShapes(_ c: ModelConfig) -> [(String, [Int])] {
        var out: [(String, [Int])] = []
        let v = c.vision, t = c.text
        out.append((patchEmbed, [v.width, 3, v.patchSize, v.patchSize]))
        out.append((classEmbed, [v.width]))
        out.append((visionPos, [v.tokens, v.width]))
        out.append((preLN + ".weight", [v.width])); out.append((preLN + ".bias", [v.width]))
        for i in 0..<v.layers { out += layerShapes(.vision, i, v.width, v.mlpDim) }
        out.append((postLN + ".weight", [v.width])); out.append((postLN + ".bias", [v.width]))
        out.append((visionProj, [c.embedDim, v.width]))
        out.append((tokenEmbed, [t.vocabSize, t.width]))
        out.append((textPos, [t.contextLength, t.width]))
        for i in 0..<t.layers { out += layerShapes(.text, i, t.width, t.mlpDim) }
        out.append((finalLN + ".weight", [t.width])); out.append((finalLN + ".bias", [t.width]))
        out.append((textProj, [c.embedDim, t.width]))
        out.append((logitScale, []))
        return out
    }

    static func layerShapes(_ tower: Tower, _ i: Int, _ w: Int, _ m: Int) -> [(String, [Int])] {
        let shapes: [String: [Int]] = [
            "ln1.weight": [w], "ln1.bias": [w], "ln2.weight": [w], "ln2.bias": [w],
            "attn.q.weight": [w, w], "attn.k.weight": [w, w], "attn.v.weight": [w, w], "attn.out.weight": [w, w],
            "attn.q.bias": [w], "attn.k.bias": [w], "attn.v.bias": [w], "attn.out.bias": [w],
            "mlp.fc1.weight": [m, w], "mlp.fc1.bias": [m], "mlp.fc2.weight": [w, m], "mlp.fc2.bias": [w],
        ]
        return layerParams.map { (layer(tower, i, $0), shapes[$0]!) }
    }

    /// True for weights that run through a GEMM (the ones the quantizer may shrink to int8).
    public static func isLinearWeight(_ name: String) -> Bool {
        name.hasSuffix("attn.q.weight") || name.hasSuffix("attn.k.weight") || name.hasSuffix("attn.v.weight") ||
            name.hasSuffix("attn.out.weight") || name.hasSuffix("mlp.fc1.weight") || name.hasSuffix("mlp.fc2.weight") ||
            name == visionProj || name == textProj || name == patchEmbed
    }
}
