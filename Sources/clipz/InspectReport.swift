import ClipzCore
import ClipzFormat
import Foundation

/// Renders `inspect` output; kept apart so tests can snapshot it.
enum InspectReport {
    static func json(_ f: ClipzFile, verified: Bool) throws -> [String: Any] {
        let enc = JSONEncoder()
        func obj<T: Encodable>(_ v: T) throws -> Any { try JSONSerialization.jsonObject(with: enc.encode(v)) }
        let raw = f.entries.reduce(0) { $0 + $1.rawBytes }, stored = f.entries.reduce(0) { $0 + $1.storedBytes }
        var out: [String: Any] = [
            "file": f.path, "file_bytes": f.fileBytes,
            "format_version": "\(f.versionMajor).\(f.versionMinor)",
            "config": try obj(f.metadata.config), "preprocessing": try obj(f.metadata.preprocessing),
            "tokenizer": try obj(f.metadata.tokenizer), "provenance": try obj(f.metadata.provenance),
            "raw_bytes": raw, "stored_bytes": stored,
            "tensors": try f.entries.map { e -> [String: Any] in
                var t: [String: Any] = ["name": e.name, "dtype": e.dtype, "shape": e.shape, "raw_bytes": e.rawBytes,
                                        "stored_bytes": e.storedBytes, "encoding": e.encoding, "offset": e.offset, "crc32c": e.crc32c]
                if let q = e.quant { t["quant"] = try obj(q) }
                return t
            },
        ]
        if verified { out["verified"] = true }
        return out
    }

    static func text(_ f: ClipzFile, verified: Bool) -> String {
        let m = f.metadata, c = m.config, v = c.vision, t = c.text, p = m.provenance
        var s = "\(f.path): clipz format \(f.versionMajor).\(f.versionMinor), \(formatBytes(f.fileBytes)), \(f.entries.count) tensors\(verified ? ", all checksums verified" : "")\n\n"
        s += "vision  " + (v.map { v in "image \(v.imageSize), patch \(v.patchSize), width \(v.width), layers \(v.layers), heads \(v.heads), mlp \(v.mlpDim), \(v.activation.rawValue), eps \(v.layerNormEps)\(v.pooling == .classToken ? "" : ", pooling \(v.pooling.rawValue)")" } ?? "none (text encoder only)") + "\n"
        s += "text    " + (t.map { t in "context \(t.contextLength), vocab \(t.vocabSize), width \(t.width), layers \(t.layers), heads \(t.heads), mlp \(t.mlpDim), \(t.activation.rawValue), pooling \(t.pooling.rawValue) (eos \(t.eosTokenID))\(t.causal ? "" : ", bidirectional")" } ?? "none (image encoder only)") + "\n"
        s += "embed   \(c.embedDim)\(c.scoring == .softmax ? "" : ", scoring \(c.scoring.rawValue) (\(c.familyName))")\n"
        let pp = m.preprocessing
        let rule = pp.cropOffset == .floor ? "offset int((size − crop) / 2), Hugging Face" : "offset round((size − crop) / 2), torchvision"
        let geometry = pp.resize == .square ? "resize to \(pp.cropSize)×\(pp.cropSize) (\(pp.resample)), no crop"
            : "resize shortest → \(pp.resizeShortest) (\(pp.resample)), center crop \(pp.cropSize) (\(rule))"
        s += "image   \(geometry), mean \(pp.mean), std \(pp.std)\n"
        let tk = m.tokenizer
        s += "tokens  " + (t == nil ? "none (image encoder only)" : "\(tk.kind), bos \(tk.bosTokenID), eos \(tk.eosTokenID), pad \(tk.padTokenID), context \(tk.contextLength)\(tk.source.map { ", from \($0)" } ?? "")") + "\n\n"
        s += "provenance: importer \(p.importer), clipz \(p.converterVersion), created \(p.createdAt)\(p.name.map { ", name \($0)" } ?? "")\n"
        for src in p.sources { s += "  source \(src.path) (\(formatBytes(src.bytes)), sha256 \(src.sha256))\n" }
        if let q = p.quantization {
            s += "  quantization \(q.type)\(q.weightBits.map { ", \($0)-bit weights" } ?? "")\(q.smoothAlpha.map { ", smooth \($0)" } ?? "")\(q.excluded.isEmpty ? "" : ", excluded \(q.excluded)")\(q.fallbacks.isEmpty ? "" : ", fallbacks \(q.fallbacks)")\n"
        }
        for n in p.notes { s += "  note: \(n)\n" }
        s += "\n"
        let nameW = max(4, f.entries.map(\.name.count).max() ?? 4)
        s += pad("name", nameW) + "  " + pad("dtype", 5) + "  " + pad("shape", 16) + "  " + pad("raw", 10, right: true) + "  " + pad("stored", 10, right: true) + "  ratio\n"
        for e in f.entries {
            let ratio = e.rawBytes == 0 ? "-" : String(format: "%.3f", Double(e.storedBytes) / Double(e.rawBytes))
            s += pad(e.name, nameW) + "  " + pad(e.dtype, 5) + "  " + pad("\(e.shape)", 16) + "  " + pad(formatBytes(e.rawBytes), 10, right: true) + "  " + pad(formatBytes(e.storedBytes), 10, right: true) + "  " + ratio + "\n"
        }
        let raw = f.entries.reduce(0) { $0 + $1.rawBytes }, stored = f.entries.reduce(0) { $0 + $1.storedBytes }
        s += pad("total", nameW) + "  " + pad("", 5) + "  " + pad("", 16) + "  " + pad(formatBytes(raw), 10, right: true) + "  " + pad(formatBytes(stored), 10, right: true) + "  " + (raw == 0 ? "-" : String(format: "%.3f", Double(stored) / Double(raw)))
        return s
    }
}
