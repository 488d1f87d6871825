import ClipzCore

/// Hugging Face `SiglipModel` names (transformers `modeling_siglip.py`) where they differ from CLIP's:
/// patch bias, no class token / pre-LN / image projection, the attention-pooling head
/// (`vision_model.head`, an `nn.MultiheadAttention` with packed q/k/v), the text head with a bias, `logit_bias`.
extension HFNaming {
    /// The tensor only SigLIP checkpoints have.
    static let siglipAnchor = "vision_model.head.probe"

    static let siglipFixed: [String: SourceRef] = {
        let head = CanonicalName.head
        var t: [String: SourceRef] = [
            CanonicalName.patchBias: SourceRef(name: "vision_model.embeddings.patch_embedding.bias", layout: .identity),
            CanonicalName.headProbe: SourceRef(name: "vision_model.head.probe", layout: .reshape),
            CanonicalName.textProj: SourceRef(name: "text_model.head.weight", layout: .identity),
            CanonicalName.textProjBias: SourceRef(name: "text_model.head.bias", layout: .identity),
            CanonicalName.logitBias: SourceRef(name: "logit_bias", layout: .reshape),
            "\(head).attn.out.weight": SourceRef(name: "vision_model.head.attention.out_proj.weight", layout: .identity),
            "\(head).attn.out.bias": SourceRef(name: "vision_model.head.attention.out_proj.bias", layout: .identity),
            "\(head).ln.weight": SourceRef(name: "vision_model.head.layernorm.weight", layout: .identity),
            "\(head).ln.bias": SourceRef(name: "vision_model.head.layernorm.bias", layout: .identity),
        ]
        for (i, part) in ["q", "k", "v"].enumerated() {
            t["\(head).attn.\(part).weight"] = SourceRef(name: "vision_model.head.attention.in_proj_weight", layout: .rows(part: i, of: 3))
            t["\(head).attn.\(part).bias"] = SourceRef(name: "vision_model.head.attention.in_proj_bias", layout: .rows(part: i, of: 3))
        }
        for fc in ["fc1", "fc2"] { for p in ["weight", "bias"] {
            t["\(head).mlp.\(fc).\(p)"] = SourceRef(name: "vision_model.head.mlp.\(fc).\(p)", layout: .identity)
        } }
        return t
    }()

    /// The SigLIP source of `canonical` when it differs from CLIP's (nil: use the CLIP table).
    func locateSigLIP(_ canonical: String) -> SourceRef? {
        guard isSigLIP, let r = Self.siglipFixed[canonical] else { return nil }
        return SourceRef(name: prefix + r.name, layout: r.layout)
    }
}
