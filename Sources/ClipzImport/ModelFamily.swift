/// Recognises checkpoints of image-text families that are not CLIP-ViT, so that they are refused by
/// name ("ResNet CLIP (RN50 …): not supported yet") instead of failing later on a misleading
/// detail, from a config (HF `model_type`, open_clip keys) or, without one, from tensor names.
enum ModelFamily {
    /// HF `model_type` values Clipz converts: the full CLIP and SigLIP models, and CLIP's single towers
    /// (`CLIPVisionModelWithProjection`, `CLIPTextModelWithProjection`).
    static let supportedHF: Set<String> = ["clip", "siglip", "clip_vision_model", "clip_text_model"]

    /// Known HF `model_type`s and what to call them.
    static let hfNames: [String: String] = [
        "siglip2": "SigLIP 2 NaFlex (variable resolution; the fixed-resolution SigLIP 2 checkpoints use model_type siglip and are supported)", "siglip_vision_model": "a SigLIP vision tower",
        "chinese_clip": "Chinese-CLIP", "altclip": "AltCLIP", "owlvit": "OWL-ViT", "owlv2": "OWLv2", "x_clip": "X-CLIP",
        "clipseg": "CLIPSeg", "blip": "BLIP", "blip-2": "BLIP-2", "align": "ALIGN", "flava": "FLAVA", "git": "GIT",
        "metaclip_2": "MetaCLIP 2", "mobileclip": "MobileCLIP",
    ]

    /// Refuses a config that describes another family; returns quietly for CLIP-ViT (or unknown shapes,
    /// which the config parsers then judge).
    static func check(config j: [String: Any], file: String) throws {
        if let type = j["model_type"] as? String, !supportedHF.contains(type) {
            throw ImportError.unsupportedFamily(file: file, family: "\(hfNames[type] ?? type) (model_type \(type))")
        }
        let model = j["model_cfg"] as? [String: Any] ?? j
        guard let v = model["vision_cfg"] as? [String: Any] else { return }
        let t = model["text_cfg"] as? [String: Any] ?? [:]
        if OpenCLIPConfig.isSigLIP(model) { return }
        if model["init_logit_bias"] != nil {
            throw ImportError.unsupportedFamily(file: file, family: "a sigmoid-loss model without a SigLIP timm trunk (open_clip config with init_logit_bias)")
        }
        if v["layers"] is [Any] {
            throw ImportError.unsupportedFamily(file: file, family: "ResNet CLIP (RN50 / RN101 / RN50x*: vision layers \(v["layers"]!))")
        }
        if let timm = v["timm_model_name"] as? String {
            let lower = timm.lowercased()
            let family = lower.contains("convnext") ? "ConvNeXt CLIP" : lower.contains("eva") ? "EVA-CLIP"
                : lower.contains("fastvit") || lower.contains("mobileclip") ? "MobileCLIP" : "a timm image tower"
            throw ImportError.unsupportedFamily(file: file, family: "\(family) (timm_model_name \(timm))")
        }
        if let hf = t["hf_model_name"] as? String {
            throw ImportError.unsupportedFamily(file: file, family: "a Hugging Face text tower (hf_model_name \(hf))")
        }
    }

    /// Without a config: refuses tensor names that only other families have.
    static func check(names: Set<String>, file: String) throws {
        func any(_ test: (String) -> Bool) -> Bool { names.contains(where: test) }
        if any({ $0.hasPrefix("visual.attnpool.") || $0.hasPrefix("visual.layer1.") }) {
            throw ImportError.unsupportedFamily(file: file, family: "ResNet CLIP (visual.attnpool / visual.layer1 tensors)")
        }
        if any({ $0.hasPrefix("visual.trunk.") }) && !any({ $0.hasSuffix(OpenCLIPSigLIPNaming.anchor) }) {
            throw ImportError.unsupportedFamily(file: file, family: "an open_clip timm image tower (visual.trunk tensors: ConvNeXt, EVA, SigLIP, MobileCLIP)")
        }
    }
}
