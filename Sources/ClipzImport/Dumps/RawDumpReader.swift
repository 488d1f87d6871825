import ClipzCore
import Foundation

/// A raw dump: a folder with `manifest.json` (Formats/raw-dump.md) listing tensors stored as
/// little-endian C-order bytes inside `.bin` files in the same folder.
enum RawDumpReader {
    static let formatName = "clipz-raw-dump"
    /// Largest manifest read (Formats/raw-dump.md); ViT-bigG's 1,300 tensors take ~200 KB.
    static let manifestBytes = 4 << 20
    /// Most tensor entries, counted before parsing (JSONSerialization builds ~4 KB per entry).
    static let manifestTensors = 16_384
    static let dtypes: [String: SourceDType] = [
        "f32": .f32, "f16": .f16, "bf16": .bf16, "f64": .f64, "i64": .i64, "i32": .i32, "u8": .u8, "i8": .i8,
    ]

    struct Dump {
        var tensors: [SourceTensor]
        /// Canonical `ModelConfig` JSON object embedded in the manifest, if any.
        var config: ModelConfig?
        var dataFiles: [String]
    }

    static func read(folder: String) throws -> Dump {
        let manifestPath = DumpPaths.join(folder, "manifest.json")
        let m = try DumpPaths.jsonObject(at: manifestPath, cap: manifestBytes, maxEntries: manifestTensors)
        func bad(_ d: String) -> ImportError { .malformed(file: manifestPath, detail: d) }
        guard m["format"] as? String == formatName else { throw bad("\"format\" must be \"\(formatName)\"") }
        guard let version = m["version"] as? Int, version == 1 else {
            throw ImportError.unsupported(file: manifestPath, detail: "raw dump version \(m["version"] ?? "missing") (this Clipz reads version 1)")
        }
        guard let list = m["tensors"] as? [Any] else { throw bad("\"tensors\" must be an array") }
        guard list.count <= manifestTensors else {
            throw ImportError.limitExceeded(file: manifestPath, what: "tensor count", value: list.count, limit: manifestTensors)
        }
        var config: ModelConfig? = nil
        if let c = m["config"] {
            guard JSONSerialization.isValidJSONObject(c), let data = try? JSONSerialization.data(withJSONObject: c),
                  let decoded = try? JSONDecoder().decode(ModelConfig.self, from: data) else {
                throw ImportError.config(file: manifestPath, detail: "\"config\" is not a Clipz model config (Formats/clipz.md)")
            }
            config = decoded
        }
        var out: [SourceTensor] = []
        var names = Set<String>()
        var sizes: [String: Int] = [:]
        var claimed: [String: [(Int, Int, String)]] = [:]
        for (i, any) in list.enumerated() {
            guard let e = any as? [String: Any], let name = e["name"] as? String, let dt = e["dtype"] as? String,
                  let shapeAny = e["shape"] as? [Any], let rel = e["file"] as? String else {
                throw bad("tensors[\(i)] needs name, dtype, shape and file")
            }
            guard !name.isEmpty, name.utf8.count <= DumpLimits.maxNameBytes, names.insert(name).inserted else {
                throw bad("tensors[\(i)]: empty, over-long or duplicate name '\(name)'")
            }
            guard let dtype = dtypes[dt] else {
                throw ImportError.unsupported(file: manifestPath, detail: "tensor '\(name)' has dtype '\(dt)' (supported: \(dtypes.keys.sorted().joined(separator: ", ")))")
            }
            let shape = try SafetensorsReader.shape(shapeAny, tensor: name, path: manifestPath)
            let offset = try e["offset"].map { try SafetensorsReader.jsonInt($0, path: manifestPath, what: "tensor '\(name)' offset") } ?? 0
            let file = try ModelFolder.resolve(rel, in: folder, referrer: manifestPath)
            if sizes[file] == nil { sizes[file] = try FileReader(path: file).size }
            let t = try SourceTensor(name: name, dtype: dtype, shape: shape, file: file, storage: .file(path: file, offset: offset))
            guard let end = Checked.add(offset, t.byteCount), end <= sizes[file] ?? 0 else {
                throw ImportError.malformed(file: file, detail: "tensor '\(name)': \(t.byteCount) bytes at offset \(offset) run past the end of '\(rel)'", offset: offset)
            }
            claimed[file, default: []].append((offset, end, name))
            out.append(t)
        }
        for (file, ranges) in claimed { try SafetensorsReader.checkNoOverlap(ranges, path: file, dataStart: 0) }
        return Dump(tensors: out, config: config, dataFiles: sizes.keys.sorted())
    }
}
