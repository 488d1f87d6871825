import ClipzCore

/// Hugging Face `CLIPModel` state-dict names (transformers `modeling_clip.py`). All linear
/// weights are already [out, in]; `visual_projection` / `text_projection` are bias-free Linears.
struct HFNaming: NamingScheme {
    static let anchor = "vision_model.embeddings.patch_embedding.weight"
    /// Marks a text tower saved alone (`CLIPTextModelWithProjection`), which has no `anchor`.
    static let textAnchor = "text_model.embeddings.token_embedding.weight"
    let prefix: String
    /// SigLIP names (`vision_model.head.probe` present): see HFNaming+SigLIP.swift.
    var isSigLIP = false
    var id: String { "hf" }

    /// Canonical per-layer parameter prefix → HF module path inside `encoder.layers.N`.
    static let layerModules: [(String, String)] = [
        ("ln1.", "layer_norm1."), ("ln2.", "layer_norm2."),
        ("attn.q.", "self_attn.q_proj."), ("attn.k.", "self_attn.k_proj."), ("attn.v.", "self_attn.v_proj."),
        ("attn.out.", "self_attn.out_proj."), ("mlp.fc1.", "mlp.fc1."), ("mlp.fc2.", "mlp.fc2."),
    ]

    func locate(_ canonical: String) -> SourceRef? {
        if let s = locateSigLIP(canonical) { return s }
        if let f = FixedNames.hf[canonical] {
            return SourceRef(name: prefix + f, layout: canonical == CanonicalName.logitScale ? .reshape : .identity)
        }
        guard let (tower, i, param) = Naming.splitLayer(canonical) else { return nil }
        for (c, h) in Self.layerModules where param.hasPrefix(c) {
            let model = tower == .vision ? "vision_model" : "text_model"
            return SourceRef(name: "\(prefix)\(model).encoder.layers.\(i).\(h)\(param.dropFirst(c.count))", layout: .identity)
        }
        return nil
    }

    func isIgnorable(_ source: String) -> Bool { source.hasSuffix("position_ids") }
}
