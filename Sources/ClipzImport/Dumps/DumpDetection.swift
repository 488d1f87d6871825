import ClipzCore
import Foundation

/// Recognises a dump path and lists its tensors (still unloaded).
enum DumpDetection {
    enum Kind: String { case safetensors, npz, npyDir = "npy-dir", raw, pytorch }

    struct Found {
        var kind: Kind
        var tensors: [SourceTensor]
        /// Files whose bytes make up the model (hashed into provenance).
        var files: [String]
        /// The folder searched for config.json & co.
        var folder: String
        var embeddedConfig: ModelConfig?
    }

    static let indexSuffix = ".safetensors.index.json"
    static let binIndexSuffix = ".bin.index.json"
    /// File names PyTorch checkpoints are saved under (torch.save zip archives or TorchScript).
    static let pytorchSuffixes = [".bin", ".pt", ".pth", ".ckpt"]
    static let maxShards = 10_000

    /// What a path is, without reading more than a directory listing.
    static func kind(of path: String) -> (Kind, String)? {
        let fm = FileManager.default
        if DumpPaths.isDirectory(path) {
            let names = ((try? fm.contentsOfDirectory(atPath: path)) ?? []).sorted()
            if names.contains("manifest.json") { return (.raw, path) }
            if let idx = names.first(where: { $0.hasSuffix(indexSuffix) }) { return (.safetensors, DumpPaths.join(path, idx)) }
            let st = names.filter { $0.hasSuffix(".safetensors") }
            if st.count == 1, let f = st.first { return (.safetensors, DumpPaths.join(path, f)) }
            for preferred in ["model.safetensors", "open_clip_model.safetensors"] where st.contains(preferred) {
                return (.safetensors, DumpPaths.join(path, preferred))
            }
            // PyTorch checkpoints only where no safetensors file is there (hub repos often ship both).
            if let idx = names.first(where: { $0.hasSuffix(binIndexSuffix) }) { return (.pytorch, DumpPaths.join(path, idx)) }
            for preferred in ["pytorch_model.bin", "open_clip_pytorch_model.bin"] where names.contains(preferred) {
                return (.pytorch, DumpPaths.join(path, preferred))
            }
            let npz = names.filter { $0.hasSuffix(".npz") }
            if npz.count == 1, let f = npz.first { return (.npz, DumpPaths.join(path, f)) }
            if names.contains(where: { $0.hasSuffix(".npy") }) { return (.npyDir, path) }
            return nil
        }
        guard fm.fileExists(atPath: path) else { return nil }
        if path.hasSuffix(".safetensors") || path.hasSuffix(indexSuffix) { return (.safetensors, path) }
        if path.hasSuffix(".npz") { return (.npz, path) }
        if path.hasSuffix(binIndexSuffix) || pytorchSuffixes.contains(where: { path.hasSuffix($0) }) { return (.pytorch, path) }
        if (path as NSString).lastPathComponent == "manifest.json" { return (.raw, ModelFolder.containing(path)) }
        return nil
    }

    static func read(_ path: String) throws -> Found {
        guard let (kind, target) = kind(of: path) else { throw ImportError.unknownSource(path: path) }
        let folder = kind == .raw || kind == .npyDir ? target : ModelFolder.containing(target)
        switch kind {
        case .raw:
            let d = try RawDumpReader.read(folder: target)
            return Found(kind: kind, tensors: d.tensors, files: [DumpPaths.join(target, "manifest.json")] + d.dataFiles, folder: folder, embeddedConfig: d.config)
        case .npyDir:
            let t = try NpzReader.readFolder(path: target)
            return Found(kind: kind, tensors: t, files: t.map(\.file), folder: folder)
        case .npz:
            return Found(kind: kind, tensors: try NpzReader.read(path: target), files: [target], folder: folder)
        case .pytorch, .safetensors:
            if target.hasSuffix(kind == .pytorch ? binIndexSuffix : indexSuffix) {
                let (t, shards) = try sharded(index: target)
                return Found(kind: kind, tensors: t, files: [target] + shards, folder: folder)
            }
            let t = kind == .pytorch ? try TorchReader.read(path: target) : try SafetensorsReader.read(path: target)
            return Found(kind: kind, tensors: t, files: [target], folder: folder)
        }
    }

    /// `model.safetensors.index.json`: {"weight_map": {tensor: shard file}}. Shards must lie inside the folder.
    /// `pytorch_model.bin.index.json` has the same layout with PyTorch shards.
    static func sharded(index: String) throws -> ([SourceTensor], [String]) {
        let j = try DumpPaths.jsonObject(at: index)
        guard let map = j["weight_map"] as? [String: String] else {
            throw ImportError.malformed(file: index, detail: "\"weight_map\" must map tensor names to shard file names")
        }
        let shardNames = Set(map.values).sorted()
        guard shardNames.count <= maxShards else {
            throw ImportError.limitExceeded(file: index, what: "shard count", value: shardNames.count, limit: maxShards)
        }
        let folder = ModelFolder.containing(index)
        var out: [SourceTensor] = []
        var files: [String] = []
        for shard in shardNames {
            let file = try ModelFolder.resolve(shard, in: folder, referrer: index)
            files.append(file)
            let tensors = index.hasSuffix(binIndexSuffix) ? try TorchReader.read(path: file) : try SafetensorsReader.read(path: file)
            for t in tensors {
                guard map[t.name] == shard else {
                    throw ImportError.malformed(file: file, detail: "tensor '\(t.name)' is not listed for this shard in \((index as NSString).lastPathComponent)")
                }
                out.append(t)
            }
        }
        let found = Set(out.map(\.name))
        if let missing = map.keys.sorted().first(where: { !found.contains($0) }) {
            throw ImportError.missingTensor(file: index, name: missing, hint: "the index lists it but its shard '\(map[missing] ?? "")' does not hold it")
        }
        return (out, files)
    }
}
