import ClipzCore

/// Hugging Face `CLIPModel` state-dict names (transformers `modeling_clip.py`). All linear
/// weights are already [out, in]; `visual_projection` / `text_projection` are bias-free Linears.
struct HFNaming: NamingScheme {
    static let anchor = "vision_model.embeddings.patch_embedding.weight"
    let prefix: String
    let names: Set<String>
    var id: String { "hf" }

    static let fixed: [String: String] = [
        CanonicalName.patchEmbed: "vision_model.embeddings.patch_embedding.weight",
        CanonicalName.classEmbed: "vision_model.embeddings.class_embedding",
        CanonicalName.visionPos: "vision_model.embeddings.position_embedding.weight",
        CanonicalName.preLN + ".weight": "vision_model.pre_layrnorm.weight",  // sic: transformers' spelling
        CanonicalName.preLN + ".bias": "vision_model.pre_layrnorm.bias",
        CanonicalName.postLN + ".weight": "vision_model.post_layernorm.weight",
        CanonicalName.postLN + ".bias": "vision_model.post_layernorm.bias",
        CanonicalName.visionProj: "visual_projection.weight",
        CanonicalName.tokenEmbed: "text_model.embeddings.token_embedding.weight",
        CanonicalName.textPos: "text_model.embeddings.position_embedding.weight",
        CanonicalName.finalLN + ".weight": "text_model.final_layer_norm.weight",
        CanonicalName.finalLN + ".bias": "text_model.final_layer_norm.bias",
        CanonicalName.textProj: "text_projection.weight",
        CanonicalName.logitScale: "logit_scale",
    ]

    /// Canonical per-layer parameter prefix → HF module path inside `encoder.layers.N`.
    static let layerModules: [(String, String)] = [
        ("ln1.", "layer_norm1."), ("ln2.", "layer_norm2."),
        ("attn.q.", "self_attn.q_proj."), ("attn.k.", "self_attn.k_proj."), ("attn.v.", "self_attn.v_proj."),
        ("attn.out.", "self_attn.out_proj."), ("mlp.fc1.", "mlp.fc1."), ("mlp.fc2.", "mlp.fc2."),
    ]

    func locate(_ canonical: String) -> SourceRef? {
        if let s = locateSigLIP(canonical) { return s }
        if let f = Self.fixed[canonical] {
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
