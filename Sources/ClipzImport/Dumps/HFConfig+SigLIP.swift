import ClipzCore
import ClipzText

extension HFConfig {
    /// A Hugging Face `SiglipConfig` (`model_type` "siglip"; SigLIP 2 checkpoints of fixed resolution
    /// use it too, with a Gemma tokenizer that SentencePieceAssets picks from tokenizer_config.json). Missing keys take transformers 5.24's defaults (`configuration_siglip.py`): both
    /// towers 768 wide / 12 layers / 12 heads / MLP 3072, tanh GELU, eps 1e-6; text vocab 32000,
    /// context 64, pad 1; image 224, patch 16. The text head maps to `projection_size` (default: the
    /// text width), which must equal the image width (SigLIP has no image projection).
    static func parseSigLIP(_ j: [String: Any], file: String) throws -> (ModelConfig, TokenizerSpec) {
        let t = j["text_config"] as? [String: Any] ?? [:]
        let v = j["vision_config"] as? [String: Any] ?? [:]
        let values = ConfigValues(file: file)
        let int = values.int, double = values.double
        if let head = v["vision_use_head"] as? Bool, !head {
            throw ImportError.unsupported(file: file, detail: "vision_use_head false (a SigLIP image tower without its pooling head)")
        }
        if let ch = v["num_channels"] as? Int, ch != 3 { throw ImportError.unsupported(file: file, detail: "num_channels \(ch) (SigLIP uses 3)") }
        let eos = try int(t, "eos_token_id", 1), pad = try int(t, "pad_token_id", 1)
        let width = try int(t, "hidden_size", 768)
        let text = TextConfig(
            contextLength: try int(t, "max_position_embeddings", 64), vocabSize: try int(t, "vocab_size", 32000), width: width,
            layers: try int(t, "num_hidden_layers", 12), heads: try int(t, "num_attention_heads", 12), mlpDim: try int(t, "intermediate_size", 3072),
            layerNormEps: double(t, "layer_norm_eps", 1e-6), activation: try activation(t["hidden_act"] as? String ?? "gelu_pytorch_tanh", file: file),
            eosTokenID: eos).siglip(padTokenID: pad)
        let vision = VisionConfig(
            imageSize: try int(v, "image_size", 224), patchSize: try int(v, "patch_size", 16), width: try int(v, "hidden_size", 768),
            layers: try int(v, "num_hidden_layers", 12), heads: try int(v, "num_attention_heads", 12), mlpDim: try int(v, "intermediate_size", 3072),
            layerNormEps: double(v, "layer_norm_eps", 1e-6),
            activation: try activation(v["hidden_act"] as? String ?? "gelu_pytorch_tanh", file: file)).siglip()
        let projection = (t["projection_size"] as? Int) ?? width
        let config = ModelConfig(vision: vision, text: text, embedDim: projection, scoring: .sigmoid)
        return (config, TokenizerSpec.siglip(eos: eos, pad: pad, contextLength: text.contextLength))
    }
}

extension TokenizerSpec {
    /// SigLIP's SentencePiece tokenizer: no BOS, EOS appended, padded with `pad`, text cleaned as transformers'
    /// `SiglipTokenizer` does (or open_clip's canonicalize in front of it, `cleaning` `.openCLIP`).
    static func siglip(eos: Int, pad: Int, contextLength: Int, cleaning: SentencePieceTokenizer.Cleaning = .huggingFace) -> TokenizerSpec {
        TokenizerSpec(kind: sentencePieceKind, bosTokenID: -1, eosTokenID: eos, padTokenID: pad,
                      contextLength: contextLength, lowercase: true, clean: cleaning.rawValue)
    }
}
