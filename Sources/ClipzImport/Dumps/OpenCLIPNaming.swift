import ClipzCore

/// open_clip / OpenAI CLIP state-dict names. Differences from canonical layout: q/k/v are packed
/// in `attn.in_proj_weight` [3W, W] / `in_proj_bias` [3W] (split by rows, q first), and the
/// projections `visual.proj` / `text_projection` are stored [W, D] (transposed to [D, W]).
struct OpenCLIPNaming: NamingScheme {
    static let anchor = "visual.conv1.weight"
    let prefix: String
    let names: Set<String>
    var id: String { "open_clip" }

    static let layerModules: [(String, String)] = [
        ("ln1.", "ln_1."), ("ln2.", "ln_2."), ("attn.out.", "attn.out_proj."), ("mlp.fc1.", "mlp.c_fc."), ("mlp.fc2.", "mlp.c_proj."),
    ]

    func locate(_ canonical: String) -> SourceRef? {
        if let f = FixedNames.openCLIP[canonical] { return SourceRef(name: prefix + f, layout: .identity) }
        switch canonical {
        case CanonicalName.visionProj: return SourceRef(name: prefix + "visual.proj", layout: .transpose)
        case CanonicalName.textProj:
            // Some open_clip variants hold the text projection as an nn.Linear ([D, W] already).
            if names.contains(prefix + "text_projection.weight") { return SourceRef(name: prefix + "text_projection.weight", layout: .identity) }
            return SourceRef(name: prefix + "text_projection", layout: .transpose)
        case CanonicalName.logitScale: return SourceRef(name: prefix + "logit_scale", layout: .reshape)
        default: break
        }
        guard let (tower, i, param) = Naming.splitLayer(canonical) else { return nil }
        let block = "\(prefix)\(tower == .vision ? "visual." : "")transformer.resblocks.\(i)."
        return Naming.inPackedBlock(block, param, packed: ("attn.in_proj_weight", "attn.in_proj_bias"), modules: Self.layerModules)
    }

    func isIgnorable(_ source: String) -> Bool { source.hasSuffix("attn_mask") || source.hasSuffix("position_ids") }
}
