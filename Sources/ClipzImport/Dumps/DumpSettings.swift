import ClipzCore
import Foundation

/// Finds the config, tokenizer spec and preprocessing for a dump: an explicit `--config` file, a
/// config embedded in a raw-dump manifest, or `config.json` / `open_clip_config.json` beside the source.
struct DumpSettings {
    var config: ModelConfig?
    var tokenizer: TokenizerSpec?
    /// The config file used, if any.
    var file: String?

    static func resolve(configPath: String?, embedded: ModelConfig?, folder: String, scheme: NamingScheme) throws -> DumpSettings {
        if let p = configPath { return try parse(p) }
        if let c = embedded { return DumpSettings(config: c) }
        let candidates = scheme.id == "open_clip" ? ["open_clip_config.json", "config.json"] : ["config.json", "open_clip_config.json"]
        for name in candidates {
            let p = DumpPaths.join(folder, name)
            if FileManager.default.fileExists(atPath: p) { return try parse(p) }
        }
        return DumpSettings()
    }

    /// A Hugging Face `CLIPConfig`, an open_clip model config, or a Clipz canonical `ModelConfig`.
    static func parse(_ path: String) throws -> DumpSettings {
        let j = try DumpPaths.jsonObject(at: path)
        try ModelFamily.check(config: j, file: path)
        if HFConfig.isHF(j) {
            let (c, t) = try HFConfig.parse(j, file: path)
            return DumpSettings(config: c, tokenizer: t, file: path)
        }
        if OpenCLIPConfig.isOpenCLIP(j) {
            if OpenCLIPConfig.isSigLIP(j["model_cfg"] as? [String: Any] ?? j) {
                let (c, t) = try OpenCLIPConfig.parseSigLIP(j, file: path)
                return DumpSettings(config: c, tokenizer: t, file: path)
            }
            return DumpSettings(config: try OpenCLIPConfig.parse(j, file: path), file: path)
        }
        if j["embed_dim"] != nil, j["vision"] != nil || j["text"] != nil {
            do {
                let data = try JSONSerialization.data(withJSONObject: j)
                return DumpSettings(config: try JSONDecoder().decode(ModelConfig.self, from: data), file: path)
            } catch {
                throw ImportError.config(file: path, detail: "not a valid Clipz model config: \(error)")
            }
        }
        throw ImportError.config(file: path, detail: "unrecognised config (expected a Hugging Face CLIPConfig, an open_clip model config, or a Clipz config)")
    }

    /// HF `preprocessor_config.json` beside the source, else open_clip `preprocess_cfg`, else OpenAI defaults
    /// with the crop rule of the source's own pipeline (`huggingFace`: HF names, whose processor truncates).
    static func preprocessing(folder: String, configFile: String?, config: ModelConfig, huggingFace: Bool,
                              files: inout [String]) throws -> Preprocessing {
        // A text-only model keeps OpenAI's defaults (224): the header always describes preprocessing.
        let size = config.vision?.imageSize ?? 224
        let hf = DumpPaths.join(folder, "preprocessor_config.json")
        if FileManager.default.fileExists(atPath: hf) {
            files.append(hf)
            return try HFPreprocessor.read(path: hf, imageSize: size)
        }
        if let f = configFile, let j = try? DumpPaths.jsonObject(at: f), let p = OpenCLIPConfig.preprocessing(j, imageSize: size) { return p }
        return Preprocessing(resizeShortest: size, cropSize: size, cropOffset: huggingFace ? .floor : .round)
    }
}
