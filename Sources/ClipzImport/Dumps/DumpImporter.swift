import ClipzCore
import Foundation

/// Imports tensor dumps (safetensors, sharded safetensors, .npz, a folder of .npy files, or a raw
/// dump with `manifest.json`) named the Hugging Face, open_clip/OpenAI or Clipz canonical way into a
/// canonical `ModelSource`. Tensors stay on disk until a consumer calls `load`.
public enum DumpImporter {
    /// True when `path` looks like a source this importer reads (by name and directory listing only).
    public static func canHandle(path: String) -> Bool { DumpDetection.kind(of: path) != nil }

    /// Reads the sources at `paths` (usually one; several are merged, e.g. shards without an index)
    /// and returns the canonical model: every tensor `CanonicalName.expectedShapes(config)` lists,
    /// in that order (the tokenizer tensor is the caller's job).
    /// - Parameter configPath: a Hugging Face `config.json`, an open_clip model config, or a Clipz
    ///   canonical config; overrides any config found beside the source.
    /// - Throws: `ImportError` naming the file, tensor and byte offset of the first problem.
    public static func load(paths: [String], configPath: String?) throws -> ModelSource {
        guard let first = paths.first else { throw ImportError.unknownSource(path: "(no path given)") }
        let found = try paths.map(DumpDetection.read)
        let kinds = Set(found.map(\.kind))
        guard kinds.count == 1, let kind = kinds.first else {
            throw ImportError.unsupported(file: first, detail: "mixing source kinds \(kinds.map(\.rawValue).sorted())")
        }
        var stored: [String: SourceTensor] = [:]
        for t in found.flatMap(\.tensors) {
            guard stored.updateValue(t, forKey: t.name) == nil else {
                throw ImportError.malformed(file: t.file, detail: "tensor '\(t.name)' appears in more than one source")
            }
        }
        try ModelFamily.check(names: Set(stored.keys), file: first)
        guard let scheme = Naming.detect(Set(stored.keys)) else {
            throw ImportError.missingTensor(file: first, name: "\(HFNaming.anchor) | \(OpenCLIPNaming.anchor) | \(CanonicalName.patchEmbed)",
                                            hint: "tensor names follow no known CLIP naming (Hugging Face, open_clip, Clipz canonical)")
        }
        let folder = found[0].folder
        var notes: [String] = []
        var configFiles: [String] = []
        var settings = try DumpSettings.resolve(configPath: configPath, embedded: found[0].embeddedConfig, folder: folder, scheme: scheme)
        if let f = settings.file { configFiles.append(f) }
        let config: ModelConfig
        if let c = settings.config {
            config = c
        } else {
            let (c, n) = try ConfigInference.infer(scheme: scheme, stored: stored, sourceLabel: first)
            config = c; notes += n
        }
        do { try config.validate() } catch { throw ImportError.config(file: settings.file ?? first, detail: "\(error)") }
        if settings.tokenizer == nil { settings.tokenizer = TokenizerSpec(contextLength: config.text?.contextLength ?? 77) }

        let tensors = try CanonicalTensors.build(config: config, scheme: scheme, stored: stored, sourceLabel: first)
        try checkAllUsed(config: config, scheme: scheme, stored: stored)

        let preprocessing = try DumpSettings.preprocessing(folder: folder, configFile: settings.file, config: config,
                                                           huggingFace: scheme.id == "hf", files: &configFiles)
        let dataFiles = found.flatMap(\.files)
        let sources = try (dataFiles + configFiles).map { p in
            SourceFile(path: p, sha256: try SHA256.hexOfFile(at: p), bytes: try FileReader(path: p).size)
        }
        let importer = kind == .safetensors ? "safetensors-\(scheme.id)" : kind.rawValue
        let provenance = Provenance(sources: sources, importer: importer, converterVersion: clipzVersion,
                                    createdAt: ISO8601DateFormatter().string(from: Date()), notes: notes)
        let meta = ModelMetadata(config: config, preprocessing: preprocessing,
                                 tokenizer: settings.tokenizer ?? TokenizerSpec(contextLength: config.text?.contextLength ?? 77), provenance: provenance)
        return ModelSource(metadata: meta, tensors: tensors, inputPaths: dataFiles + configFiles)
    }

    /// Refuses source tensors the architecture does not use (a config with too few layers, layer
    /// scale or bias parameters Clipz would silently drop), except known buffers.
    static func checkAllUsed(config: ModelConfig, scheme: NamingScheme, stored: [String: SourceTensor]) throws {
        let used = Set(CanonicalName.expectedShapes(config).compactMap { scheme.locate($0.0)?.name })
        let extra = stored.keys.filter { !used.contains($0) && !scheme.isIgnorable($0) }.sorted()
        guard let e = extra.first, let t = stored[e] else { return }
        throw ImportError.unsupported(file: t.file, detail: "tensor '\(e)'\(extra.count > 1 ? " (and \(extra.count - 1) more)" : "") has no place in the CLIP architecture the config describes "
            + "(\(CanonicalName.describeTowers(config))); wrong config, or a variant Clipz does not run")
    }
}
