import ClipzCore
import ClipzText
import Foundation

extension OpenCLIPConfig {
    /// A SigLIP model config: a timm SigLIP ViT trunk with `timm_pool` "map" and open_clip's text tower
    /// (`no_causal_mask`, `pool_type` "last", `proj_bias`).
    static func isSigLIP(_ j: [String: Any]) -> Bool {
        let v = j["vision_cfg"] as? [String: Any] ?? [:]
        return (v["timm_model_name"] as? String)?.contains("siglip") == true && v["timm_pool"] as? String == "map"
    }

    /// timm's SigLIP trunks by name part: (width, depth, heads, mlp). The patch size is in the name
    /// (`patch14`, `patch16`, `patch32`). From timm 1.0's `vision_transformer.py` model definitions.
    static let timmSigLIPTrunks: [(name: String, width: Int, depth: Int, heads: Int, mlp: Int)] = [
        ("vit_base_", 768, 12, 12, 3072), ("vit_large_", 1024, 24, 16, 4096),
        ("vit_so400m_", 1152, 27, 16, 4304), ("vit_giantopt_", 1536, 40, 16, 6144),
    ]

    /// The SigLIP config. The trunk's numbers come from its timm name; a `timm_model_kwargs` object
    /// (timm's `embed_dim`, `depth`, `num_heads`, `patch_size`, `mlp_ratio`; beside `model_cfg`, or inside
    /// `vision_cfg`) overrides them for trunks built with non-default sizes.
    static func parseSigLIP(_ root: [String: Any], file: String) throws -> (ModelConfig, TokenizerSpec) {
        let j = root["model_cfg"] as? [String: Any] ?? root
        let v = j["vision_cfg"] as? [String: Any] ?? [:], t = j["text_cfg"] as? [String: Any] ?? [:]
        let c = ConfigValues(file: file)
        let timm = v["timm_model_name"] as? String ?? ""
        guard let trunk = timmSigLIPTrunks.first(where: { timm.hasPrefix($0.name) }),
              let patch = timm.split(separator: "_").first(where: { $0.hasPrefix("patch") }).flatMap({ Int($0.dropFirst(5)) }) else {
            throw ImportError.unsupported(file: file, detail: "timm trunk '\(timm)' (known SigLIP trunks: \(timmSigLIPTrunks.map { $0.name + "patchNN_siglip_*" }.joined(separator: ", ")))")
        }
        if let proj = v["timm_proj"] as? String, proj != "none" {
            throw ImportError.unsupported(file: file, detail: "open_clip option timm_proj = \(proj) on a SigLIP trunk")
        }
        let kw = v["timm_model_kwargs"] as? [String: Any] ?? root["timm_model_kwargs"] as? [String: Any] ?? [:]
        let width = try c.int(kw, "embed_dim", trunk.width)
        let mlp = kw["mlp_ratio"] != nil ? Int(Double(width) * c.double(kw, "mlp_ratio", 4)) : (width == trunk.width ? trunk.mlp : width * 4)
        let vision = VisionConfig(
            imageSize: try c.int(v, "image_size", 224), patchSize: try c.int(kw, "patch_size", patch), width: width,
            layers: try c.int(kw, "depth", trunk.depth), heads: try c.int(kw, "num_heads", trunk.heads), mlpDim: mlp,
            layerNormEps: 1e-6, activation: .gelu).siglip()
        let tw = try c.int(t, "width", 512)
        let tanh = ((t["act_kwargs"] as? [String: Any])?["approximate"] as? String) == "tanh"
        for (key, want) in [("no_causal_mask", true), ("proj_bias", true)] where (t[key] as? Bool) != want {
            throw ImportError.unsupported(file: file, detail: "open_clip SigLIP text_cfg without \(key) = \(want)")
        }
        if let pool = t["pool_type"] as? String, pool != "last" {
            throw ImportError.unsupported(file: file, detail: "open_clip SigLIP text_cfg pool_type = \(pool) (supported: last)")
        }
        // SigLIP's SentencePiece vocabularies end and pad sequences with id 1 (`</s>`); a tokenizer_config.json
        // beside the model may name other pieces, or SigLIP 2's Gemma tokenizer (SentencePieceAssets reads it).
        let text = TextConfig(
            contextLength: try c.int(t, "context_length", 64), vocabSize: try c.int(t, "vocab_size", 32000), width: tw,
            layers: try c.int(t, "layers", 12), heads: try c.int(t, "heads", 8), mlpDim: Int(Double(tw) * c.double(t, "mlp_ratio", 4.0)),
            layerNormEps: eps(t), activation: tanh ? .geluTanh : .gelu, eosTokenID: 1).siglip(padTokenID: 1)
        let config = ModelConfig(vision: vision, text: text, embedDim: try c.int(j, "embed_dim", width), scoring: .sigmoid)
        let clean = ((t["tokenizer_kwargs"] as? [String: Any])?["clean"] as? String) == "canonicalize"
            ? SentencePieceTokenizer.Cleaning.openCLIP : .huggingFace
        return (config, TokenizerSpec.siglip(eos: 1, pad: 1, contextLength: text.contextLength, cleaning: clean))
    }
}
