import ClipzCore
import Foundation

/// Reads a Hugging Face `CLIPConfig` (`config.json`). transformers' `save_pretrained` omits values
/// equal to the class defaults, so every missing key takes the default of transformers 5.24
/// (`configuration_clip.py`): text 512 wide / 12 layers / 8 heads, vision 768 / 12 / 12, patch 32, image 224.
/// A single tower (`model_type` clip_vision_model / clip_text_model, as `CLIPVisionModelWithProjection` /
/// `CLIPTextModelWithProjection` save it) holds its tower's keys and `projection_dim` at the top level.
enum HFConfig {
    static let visionTowerType = "clip_vision_model", textTowerType = "clip_text_model"

    static func isHF(_ j: [String: Any]) -> Bool {
        j["vision_config"] != nil || j["text_config"] != nil || [visionTowerType, textTowerType].contains(j["model_type"] as? String)
    }

    static func parse(_ j: [String: Any], file: String) throws -> (ModelConfig, TokenizerSpec) {
        if j["model_type"] as? String == "siglip" { return try parseSigLIP(j, file: file) }
        let type = j["model_type"] as? String
        let t = type == textTowerType ? j : j["text_config"] as? [String: Any] ?? [:]
        let v = type == visionTowerType ? j : j["vision_config"] as? [String: Any] ?? [:]
        let c = ConfigValues(file: file)
        func square(_ d: [String: Any], _ k: String, _ def: Int) throws -> Int {
            if let a = d[k] as? [Any] {
                guard a.count == 2, let h = a[0] as? Int, let w = a[1] as? Int, h == w else {
                    throw ImportError.unsupported(file: file, detail: "non-square \(k) \(a)")
                }
                return h
            }
            return try c.int(d, k, def)
        }
        let eos: Int
        if let list = t["eos_token_id"] as? [Any] {
            guard list.count == 1, let e = list.first as? Int else {
                throw ImportError.unsupported(file: file, detail: "several eos_token_id values \(list)")
            }
            eos = e
        } else {
            eos = try c.int(t, "eos_token_id", 49407)
        }
        // transformers (modeling_clip.py, CLIPTextTransformer.forward): eos_token_id == 2 marks configs
        // written before PR #24773 and keeps the legacy argmax-of-ids rule; otherwise it pools at the
        // first position holding eos_token_id.
        // Under the legacy rule 2 is not the real end token: the EOT is the largest id, vocab_size - 1
        // (49407 for OpenAI's vocabulary), which is what Clipz records.
        let pooling: TextPooling = eos == 2 ? .argmaxID : .firstEOS
        let vocab = try c.int(t, "vocab_size", 49408)
        let eot = eos == 2 ? vocab - 1 : eos
        let text = TextConfig(
            contextLength: try c.int(t, "max_position_embeddings", 77), vocabSize: vocab,
            width: try c.int(t, "hidden_size", 512), layers: try c.int(t, "num_hidden_layers", 12), heads: try c.int(t, "num_attention_heads", 8),
            mlpDim: try c.int(t, "intermediate_size", 2048), layerNormEps: c.double(t, "layer_norm_eps", 1e-5),
            activation: try activation(t["hidden_act"] as? String ?? "quick_gelu", file: file), pooling: pooling, eosTokenID: eot)
        let vision = VisionConfig(
            imageSize: try square(v, "image_size", 224), patchSize: try square(v, "patch_size", 32), width: try c.int(v, "hidden_size", 768),
            layers: try c.int(v, "num_hidden_layers", 12), heads: try c.int(v, "num_attention_heads", 12), mlpDim: try c.int(v, "intermediate_size", 3072),
            layerNormEps: c.double(v, "layer_norm_eps", 1e-5), activation: try activation(v["hidden_act"] as? String ?? "quick_gelu", file: file))
        if let ch = v["num_channels"] as? Int, ch != 3 { throw ImportError.unsupported(file: file, detail: "num_channels \(ch) (CLIP uses 3)") }
        let config = ModelConfig(vision: type == textTowerType ? nil : vision, text: type == visionTowerType ? nil : text,
                                 embedDim: try c.int(j, "projection_dim", 512))
        let tok = TokenizerSpec(bosTokenID: try c.int(t, "bos_token_id", 49406), eosTokenID: eot,
                                contextLength: text.contextLength)
        return (config, tok)
    }

    /// transformers `ACT2FN` names that Clipz runs.
    static func activation(_ name: String, file: String) throws -> Activation {
        switch name {
        case "quick_gelu": return .quickGELU
        case "gelu": return .gelu
        case "gelu_new", "gelu_pytorch_tanh": return .geluTanh
        default: throw ImportError.unsupported(file: file, detail: "activation '\(name)' (supported: quick_gelu, gelu, gelu_new, gelu_pytorch_tanh)")
        }
    }
}
