import ClipzCore
import Foundation

/// Reads an open_clip model config (`model_configs/*.json`, or the hub's `open_clip_config.json`
/// that wraps it in `model_cfg` next to `preprocess_cfg`). Defaults follow open_clip 3.3
/// `CLIPVisionCfg` / `CLIPTextCfg`.
enum OpenCLIPConfig {
    static func isOpenCLIP(_ j: [String: Any]) -> Bool { j["model_cfg"] != nil || j["vision_cfg"] != nil }

    static func parse(_ root: [String: Any], file: String) throws -> ModelConfig {
        let j = root["model_cfg"] as? [String: Any] ?? root
        let v = j["vision_cfg"] as? [String: Any] ?? [:]
        let t = j["text_cfg"] as? [String: Any] ?? [:]
        let c = ConfigValues(file: file)
        // Options that change the architecture beyond what the canonical model describes.
        let refused: [(String, [String: Any], (Any) -> Bool)] = [
            ("timm_model_name", v, { !($0 is NSNull) }), ("hf_model_name", t, { !($0 is NSNull) }),
            ("attentional_pool", v, { ($0 as? Bool) == true }), ("no_ln_pre", v, { ($0 as? Bool) == true }),
            ("final_ln_after_pool", v, { ($0 as? Bool) == true }), ("final_ln_after_pool", t, { ($0 as? Bool) == true }),
            ("ls_init_value", v, { !($0 is NSNull) }), ("ls_init_value", t, { !($0 is NSNull) }),
            ("pool_type", v, { ($0 as? String) != "tok" }), ("pool_type", t, { ($0 as? String) != "argmax" }),
            ("proj_bias", t, { ($0 as? Bool) == true }), ("no_causal_mask", t, { ($0 as? Bool) == true }),
            ("embed_cls", t, { ($0 as? Bool) == true }),
        ]
        for (key, dict, bad) in refused {
            if let x = dict[key], bad(x) { throw ImportError.unsupported(file: file, detail: "open_clip option \(key) = \(x)") }
        }
        let act: Activation = (j["quick_gelu"] as? Bool) == true ? .quickGELU : .gelu
        let vw = try c.int(v, "width", 768), tw = try c.int(t, "width", 512)
        let headWidth = try c.int(v, "head_width", 64)
        guard headWidth > 0, vw % headWidth == 0 else {
            throw ImportError.config(file: file, detail: "vision width \(vw) is not a multiple of head_width \(headWidth)")
        }
        let vision = VisionConfig(
            imageSize: try c.int(v, "image_size", 224), patchSize: try c.int(v, "patch_size", 16), width: vw, layers: try c.int(v, "layers", 12),
            heads: vw / headWidth, mlpDim: Int(Double(vw) * c.double(v, "mlp_ratio", 4.0)), layerNormEps: eps(v), activation: act)
        let text = TextConfig(
            contextLength: try c.int(t, "context_length", 77), vocabSize: try c.int(t, "vocab_size", 49408), width: tw, layers: try c.int(t, "layers", 12),
            heads: try c.int(t, "heads", 8), mlpDim: Int(Double(tw) * c.double(t, "mlp_ratio", 4.0)), layerNormEps: eps(t), activation: act,
            pooling: .argmaxID, eosTokenID: 49407)
        return ModelConfig(vision: vision, text: text, embedDim: try c.int(j, "embed_dim", 512))
    }

    static func eps(_ d: [String: Any]) -> Double {
        ((d["norm_kwargs"] as? [String: Any])?["eps"] as? NSNumber)?.doubleValue ?? 1e-5
    }

    /// `preprocess_cfg` of a hub `open_clip_config.json`, if present.
    static func preprocessing(_ root: [String: Any], imageSize: Int) -> Preprocessing? {
        guard let p = root["preprocess_cfg"] as? [String: Any] else { return nil }
        var out = Preprocessing(resizeShortest: imageSize, cropSize: imageSize)
        if let m = p["mean"] as? [NSNumber], m.count == 3 { out.mean = m.map(\.doubleValue) }
        if let s = p["std"] as? [NSNumber], s.count == 3 { out.std = s.map(\.doubleValue) }
        if let i = p["interpolation"] as? String, i == "bilinear" || i == "bicubic" { out.resample = i }
        // open_clip's resize_mode "squash" resizes straight to the square input (SigLIP).
        if p["resize_mode"] as? String == "squash" { out.resize = .square }
        return out
    }
}
