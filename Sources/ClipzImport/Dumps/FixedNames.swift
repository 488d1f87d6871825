import ClipzCore

/// Where the canonical tensors outside the layers lie in Hugging Face and open_clip checkpoints, one
/// row a tensor. LayerNorms are module paths (expanded to `.weight` / `.bias`); nil:
/// the scheme's `locate` finds the tensor itself (a transposed or alternative layout).
enum FixedNames {
    static let tensors: [(canonical: String, hf: String, openCLIP: String?)] = [
        (CanonicalName.patchEmbed, "vision_model.embeddings.patch_embedding.weight", "visual.conv1.weight"),
        (CanonicalName.classEmbed, "vision_model.embeddings.class_embedding", "visual.class_embedding"),
        (CanonicalName.visionPos, "vision_model.embeddings.position_embedding.weight", "visual.positional_embedding"),
        (CanonicalName.visionProj, "visual_projection.weight", nil),
        (CanonicalName.tokenEmbed, "text_model.embeddings.token_embedding.weight", "token_embedding.weight"),
        (CanonicalName.textPos, "text_model.embeddings.position_embedding.weight", "positional_embedding"),
        (CanonicalName.textProj, "text_projection.weight", nil),
        (CanonicalName.logitScale, "logit_scale", nil),
    ]

    static let layerNorms: [(canonical: String, hf: String, openCLIP: String)] = [
        (CanonicalName.preLN, "vision_model.pre_layrnorm", "visual.ln_pre"),  // sic: transformers' spelling
        (CanonicalName.postLN, "vision_model.post_layernorm", "visual.ln_post"),
        (CanonicalName.finalLN, "text_model.final_layer_norm", "ln_final"),
    ]

    static let hf = table(tensors.map { ($0.canonical, $0.hf) }, layerNorms: layerNorms.map { ($0.canonical, $0.hf) })
    static let openCLIP = table(tensors.map { ($0.canonical, $0.openCLIP) }, layerNorms: layerNorms.map { ($0.canonical, $0.openCLIP) })

    /// One scheme's column: canonical → source name, rows without a source left out, each
    /// LayerNorm (canonical prefix → source module) expanded to its `.weight` and `.bias`.
    private static func table(_ tensors: [(String, String?)], layerNorms: [(String, String)]) -> [String: String] {
        var t: [String: String] = [:]
        for case let (canonical, source?) in tensors { t[canonical] = source }
        for (canonical, source) in layerNorms {
            t[canonical + ".weight"] = source + ".weight"
            t[canonical + ".bias"] = source + ".bias"
        }
        return t
    }
}
