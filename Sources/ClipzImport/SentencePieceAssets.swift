import ClipzCore
import ClipzText
import Foundation

/// The SentencePiece model that travels inside a SigLIP `.clipz` (tensor `tokenizer.spm_model`).
/// Looked up, in order: `--tokenizer PATH` (the model file, or a folder holding it); `spiece.model` or
/// `tokenizer.model` beside the source. `do_lower_case` and the `eos_token` / `pad_token` pieces come
/// from `tokenizer_config.json` beside it when present (else the config's ids stand).
struct SentencePieceAssets {
    var model: [UInt8]
    var file: String
    /// The spec with `lowercase`, `eos_token_id` and `pad_token_id` as the tokenizer's own files say.
    var spec: TokenizerSpec

    static let fileNames = ["spiece.model", "tokenizer.model"]

    /// - Throws: `ImportError` when no model is found, or it does not load with the spec's ids.
    static func locate(explicit: String?, near sources: [String], spec: TokenizerSpec) throws -> SentencePieceAssets {
        var candidates: [String] = []
        if let explicit {
            candidates = DumpPaths.isDirectory(explicit) ? fileNames.map { DumpPaths.join(explicit, $0) } : [explicit]
        } else {
            for s in sources {
                let folder = DumpPaths.isDirectory(s) ? s : ModelFolder.containing(s)
                candidates += fileNames.map { DumpPaths.join(folder, $0) }
            }
        }
        guard let file = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw ImportError.io(file: explicit ?? sources.first ?? "(no source)",
                                 message: "a SigLIP model needs its SentencePiece tokenizer: no \(fileNames.joined(separator: " or ")) found; pass --tokenizer PATH")
        }
        let bytes = try InputFile.readAll(file, limit: SentencePieceTokenizer.maxModelBytes)
        var spec = spec
        var pieces: [(key: String, piece: String)] = []
        let config = DumpPaths.join(ModelFolder.containing(file), "tokenizer_config.json")
        if FileManager.default.fileExists(atPath: config), let j = try? DumpPaths.jsonObject(at: config) {
            if let l = j["do_lower_case"] as? Bool { spec.lowercase = l }
            for key in ["eos_token", "pad_token"] {
                // A plain string, or an AddedToken object with "content".
                if let p = j[key] as? String ?? (j[key] as? [String: Any])?["content"] as? String { pieces.append((key, p)) }
            }
        }
        do {
            let probe = try SentencePieceTokenizer(model: bytes, eosID: 0, padID: 0, file: file)
            for (key, piece) in pieces {
                guard let id = probe.id(ofPiece: piece) else {
                    throw ImportError.malformed(file: config, detail: "\(key) '\(piece)' is not a piece of \(file)")
                }
                if key == "eos_token" { spec.eosTokenID = id } else { spec.padTokenID = id }
            }
            let tok = try SentencePieceTokenizer(model: bytes, eosID: spec.eosTokenID, padID: spec.padTokenID, lowercase: spec.lowercase, file: file)
            _ = tok.tokenize(["a photo of a cat"], contextLength: spec.contextLength)
        } catch let e as ImportError {
            throw e
        } catch {
            throw ImportError.malformed(file: file, detail: "\(error)")
        }
        return SentencePieceAssets(model: bytes, file: file, spec: spec)
    }

    /// The u8 tensor stored in `.clipz` files.
    func tensor() throws -> Tensor { try Tensor(name: CanonicalName.spmModel, dtype: .u8, shape: [model.count], bytes: model) }

    var sha256: String { var h = SHA256(); h.update(model); return h.finalizeHex() }
}
