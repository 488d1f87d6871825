import ClipzCore

/// open_clip SigLIP state-dict names: a timm ViT trunk (`visual.trunk.*`, packed `attn.qkv`, the
/// `attn_pool` head with a separate `q` and packed `kv`) and open_clip's own text tower under `text.`
/// (named like open_clip's CLIP text tower, so `OpenCLIPNaming` with the `text.` prefix finds it).
struct OpenCLIPSigLIPNaming: NamingScheme {
    /// The tensor only SigLIP's timm trunk has (its attention-pooling probe).
    static let anchor = "visual.trunk.attn_pool.latent"
    let prefix: String
    /// The text tower's scheme (open_clip names under `text.`).
    let text: OpenCLIPNaming
    var id: String { "open_clip" }

    init(prefix: String, names: Set<String>) {
        self.prefix = prefix
        text = OpenCLIPNaming(prefix: prefix + "text.", names: names)
    }

    static let fixed: [String: SourceRef] = {
        let head = CanonicalName.head, pool = "visual.trunk.attn_pool."
        var t: [String: SourceRef] = [
            CanonicalName.patchEmbed: SourceRef(name: "visual.trunk.patch_embed.proj.weight", layout: .identity),
            CanonicalName.patchBias: SourceRef(name: "visual.trunk.patch_embed.proj.bias", layout: .identity),
            CanonicalName.visionPos: SourceRef(name: "visual.trunk.pos_embed", layout: .reshape),
            CanonicalName.headProbe: SourceRef(name: pool + "latent", layout: .reshape),
            CanonicalName.logitScale: SourceRef(name: "logit_scale", layout: .reshape),
            CanonicalName.logitBias: SourceRef(name: "logit_bias", layout: .reshape),
            CanonicalName.textProjBias: SourceRef(name: "text.text_projection.bias", layout: .identity),
        ]
        for p in ["weight", "bias"] {
            t["\(CanonicalName.postLN).\(p)"] = SourceRef(name: "visual.trunk.norm.\(p)", layout: .identity)
            t["\(head).ln.\(p)"] = SourceRef(name: pool + "norm.\(p)", layout: .identity)
            t["\(head).attn.q.\(p)"] = SourceRef(name: pool + "q.\(p)", layout: .identity)
            t["\(head).attn.k.\(p)"] = SourceRef(name: pool + "kv.\(p)", layout: .rows(part: 0, of: 2))
            t["\(head).attn.v.\(p)"] = SourceRef(name: pool + "kv.\(p)", layout: .rows(part: 1, of: 2))
            t["\(head).attn.out.\(p)"] = SourceRef(name: pool + "proj.\(p)", layout: .identity)
            for fc in ["fc1", "fc2"] { t["\(head).mlp.\(fc).\(p)"] = SourceRef(name: pool + "mlp.\(fc).\(p)", layout: .identity) }
        }
        return t
    }()

    /// Canonical per-layer parameter prefix → timm module path inside `visual.trunk.blocks.N`.
    static let visionLayerModules: [(String, String)] = [
        ("ln1.", "norm1."), ("ln2.", "norm2."), ("attn.out.", "attn.proj."), ("mlp.fc1.", "mlp.fc1."), ("mlp.fc2.", "mlp.fc2."),
    ]

    func locate(_ canonical: String) -> SourceRef? {
        if let r = Self.fixed[canonical] { return SourceRef(name: prefix + r.name, layout: r.layout) }
        if canonical.hasPrefix("text.") { return text.locate(canonical) }
        guard let (tower, i, param) = Naming.splitLayer(canonical), tower == .vision else { return nil }
        let block = "\(prefix)visual.trunk.blocks.\(i)."
        return Naming.inPackedBlock(block, param, packed: ("attn.qkv.weight", "attn.qkv.bias"), modules: Self.visionLayerModules)
    }

    func isIgnorable(_ source: String) -> Bool { text.isIgnorable(source) }
}
