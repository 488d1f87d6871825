import ClipzCore
import ClipzText
import Foundation

/// The SentencePiece model that travels inside a SigLIP `.clipz` (tensor `tokenizer.spm_model`).
/// Looked up, in order: `--tokenizer PATH` (the model file, or a folder holding it); `spiece.model` or
/// `tokenizer.model` beside the source. `do_lower_case` and the `eos_token` / `pad_token` pieces come
/// from `tokenizer_config.json` beside it when present (else the config's ids stand). A `tokenizer_class`
/// GemmaTokenizer or Siglip2Tokenizer there (SigLIP 2) selects the Gemma tokenizer, with `add_bos_token` /
/// `add_eos_token` (transformers' defaults without a tokenizer.json: false) and `bos_token`. A Gemma model
/// (its pieces, or `model_type` siglip2 in config.json) without such a tokenizer_config.json is refused: the
/// model file does not say whether to add <bos>/<eos> or lower-case, and SigLIP v1's rules give other ids.
struct SentencePieceAssets {
    var model: [UInt8]
    var file: String
    /// The spec with `clean`, `lowercase`, `bos_token_id`, `eos_token_id` and `pad_token_id` as the tokenizer's own files say.
    var spec: TokenizerSpec
    /// The tokenizer that spec describes, built (and tried on a text) while locating it.
    var tokenizer: SentencePieceTokenizer

    static let fileNames = ["spiece.model", "tokenizer.model"]
    /// `tokenizer_class` values (without "Fast") that mean SigLIP 2's Gemma tokenizer.
    static let gemmaClasses: Set<String> = ["GemmaTokenizer", "Siglip2Tokenizer"]

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
        var gemma: (bos: Bool, eos: Bool)?
        let config = DumpPaths.join(ModelFolder.containing(file), "tokenizer_config.json")
        let hasConfig = FileManager.default.fileExists(atPath: config)
        if hasConfig, let j = try? DumpPaths.jsonObject(at: config) {
            let tokenizerClass = (j["tokenizer_class"] as? String).map { $0.hasSuffix("Fast") ? String($0.dropLast(4)) : $0 }
            var keys = ["eos_token", "pad_token"]
            if let c = tokenizerClass, gemmaClasses.contains(c) {
                // GemmaTokenizer pads on its `padding_side` (class default "left"); SigLIP 2's files say "right".
                let side = j["padding_side"] as? String ?? "left (GemmaTokenizer's default)"
                guard side == "right" else {
                    throw ImportError.unsupported(file: config, detail: "padding_side \(side): Clipz pads SigLIP 2 texts on the right, as its tokenizer_config.json says")
                }
                let flags = (bos: j["add_bos_token"] as? Bool ?? false, eos: j["add_eos_token"] as? Bool ?? false)
                gemma = flags
                if flags.bos { keys.append("bos_token") }
                spec.clean = (spec.clean == SentencePieceTokenizer.Cleaning.openCLIP.rawValue
                    ? SentencePieceTokenizer.Cleaning.gemmaOpenCLIP : .gemma).rawValue
                // GemmaTokenizer never lower-cases (`do_lower_case` is not read); Siglip2Tokenizer always does.
                spec.lowercase = c == "Siglip2Tokenizer"
            } else if let l = j["do_lower_case"] as? Bool {
                spec.lowercase = l
            }
            for key in keys {
                // A plain string, or an AddedToken object with "content".
                let p = j[key] as? String ?? (j[key] as? [String: Any])?["content"] as? String
                    ?? (key == "bos_token" ? "<bos>" : nil) // GemmaTokenizer's default
                if let p { pieces.append((key, p)) }
            }
        }
        do {
            let probe = try SentencePieceTokenizer(model: bytes, eosID: 0, padID: 0, file: file)
            if gemma == nil, let why = gemmaEvidence(probe, near: [file] + sources) {
                throw ImportError.unsupported(file: file, detail: "this is SigLIP 2's Gemma tokenizer (\(why)), but "
                    + (hasConfig ? "\(config) does not name GemmaTokenizer or Siglip2Tokenizer" : "no tokenizer_config.json is beside it")
                    + "; whether to add <bos>/<eos> and lower-case is not in the model file: put the checkpoint's "
                    + "tokenizer_config.json (tokenizer_class GemmaTokenizer or Siglip2Tokenizer) beside \(file)")
            }
            for (key, piece) in pieces {
                guard let id = probe.id(ofPiece: piece) else {
                    throw ImportError.malformed(file: config, detail: "\(key) '\(piece)' is not a piece of \(file)")
                }
                switch key {
                case "eos_token": spec.eosTokenID = id
                case "bos_token": spec.bosTokenID = id
                default: spec.padTokenID = id
                }
            }
            if let gemma, !gemma.eos { spec.eosTokenID = -1 }
            let tok = try SentencePieceTokenizer(model: bytes, spec: spec, file: file)
            _ = tok.tokenize(["a photo of a cat"], contextLength: spec.contextLength)
            return SentencePieceAssets(model: bytes, file: file, spec: spec, tokenizer: tok)
        } catch let e as ImportError {
            throw e
        } catch {
            throw ImportError.malformed(file: file, detail: "\(error)")
        }
    }

    /// Why a SentencePiece model is Gemma's (SigLIP 2) rather than SigLIP's: Gemma's chat pieces, its
    /// <pad> <eos> <bos> layout (SigLIP's is <pad> </s> <unk>, no <bos>), or a config.json with
    /// `model_type` siglip2 beside the tokenizer or a source; nil when nothing says so.
    static func gemmaEvidence(_ probe: SentencePieceTokenizer, near paths: [String]) -> String? {
        if probe.id(ofPiece: "<start_of_turn>") != nil { return "it has Gemma's <start_of_turn> piece" }
        if probe.id(ofPiece: "<eos>") == 1, probe.id(ofPiece: "<bos>") == 2 { return "<eos> and <bos> at Gemma's ids 1 and 2" }
        for p in paths {
            let config = DumpPaths.join(DumpPaths.isDirectory(p) ? p : ModelFolder.containing(p), "config.json")
            if FileManager.default.fileExists(atPath: config), let j = try? DumpPaths.jsonObject(at: config),
               j["model_type"] as? String == "siglip2" { return "\(config) says model_type siglip2" }
        }
        return nil
    }

    /// The u8 tensor stored in `.clipz` files.
    func tensor() throws -> Tensor { try Tensor(name: CanonicalName.spmModel, dtype: .u8, shape: [model.count], bytes: model) }

    var sha256: String { var h = SHA256(); h.update(model); return h.finalizeHex() }
}
