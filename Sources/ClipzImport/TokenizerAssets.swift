import ClipzCore
import ClipzText
import Foundation

/// The BPE vocabulary that travels inside a `.clipz` (tensor `tokenizer.bpe_merges`).
/// Looked up, in order: `--tokenizer PATH`; files beside the source (`tokenizer.json`,
/// `merges.txt` + `vocab.json`, `bpe_simple_vocab_16e6.txt`); the vocabulary bundled with Clipz.
public struct TokenizerAssets: Sendable {
    /// Merges text: a version line, then the merges the vocabulary uses, one "a b" per line.
    public var mergesText: String
    /// Where it came from ("bundled" or a path).
    public var source: String

    static let header = "#version: 0.2"

    /// - Parameters:
    ///   - explicit: `--tokenizer` value (a file or a folder), or nil.
    ///   - sources: the model's source paths; their folders are searched.
    /// - Throws: `ImportError` when an explicit path is unusable or a found vocabulary is not CLIP's BPE layout.
    public static func locate(explicit: String?, near sources: [String]) throws -> TokenizerAssets {
        if let explicit {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: explicit, isDirectory: &isDir) else {
                throw ImportError.io(file: explicit, message: "tokenizer path does not exist")
            }
            if isDir.boolValue {
                guard let found = try search(folder: explicit) else {
                    throw ImportError.io(file: explicit, message: "no tokenizer.json, merges.txt or bpe_simple_vocab_16e6.txt in this folder")
                }
                return found
            }
            return try load(file: explicit)
        }
        for s in sources {
            var isDir: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: s, isDirectory: &isDir)
            let folder = isDir.boolValue ? s : URL(fileURLWithPath: s).deletingLastPathComponent().path
            if let found = try search(folder: folder) { return found }
        }
        return TokenizerAssets(mergesText: trimmed(try CLIPTokenizer.bundledMergesText()), source: "bundled")
    }

    static func search(folder: String) throws -> TokenizerAssets? {
        for name in ["tokenizer.json", "merges.txt", "bpe_simple_vocab_16e6.txt"] {
            let p = folder + "/" + name
            if FileManager.default.fileExists(atPath: p) { return try load(file: p) }
        }
        return nil
    }

    /// Reads one tokenizer file and checks that it yields CLIP's standard vocabulary layout
    /// (byte symbols, their `</w>` forms, joined merges, two special tokens).
    static func load(file: String) throws -> TokenizerAssets {
        let data = Data(try InputFile.readAll(file, limit: 64 << 20))
        let name = URL(fileURLWithPath: file).lastPathComponent
        let merges: String
        let reference: CLIPTokenizer?
        do {
            if name.hasSuffix(".json") {
                let root = try JSONSerialization.jsonObject(with: data) as? [String: Any]
                guard let model = root?["model"] as? [String: Any], let raw = model["merges"] as? [Any] else {
                    throw ImportError.malformed(file: file, detail: "tokenizer.json has no model.merges")
                }
                let lines = raw.compactMap { m -> String? in
                    if let s = m as? String { return s }
                    if let a = m as? [String], a.count == 2 { return a[0] + " " + a[1] }
                    return nil
                }
                merges = header + "\n" + lines.joined(separator: "\n") + "\n"
                reference = try CLIPTokenizer(tokenizerJSON: data)
            } else if name == "merges.txt" {
                merges = String(decoding: data, as: UTF8.self)
                let vocabPath = URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("vocab.json").path
                reference = FileManager.default.fileExists(atPath: vocabPath)
                    ? try CLIPTokenizer(vocabJSON: Data(try InputFile.readAll(vocabPath, limit: 64 << 20)), mergesTXT: merges) : nil
            } else {
                merges = String(decoding: data, as: UTF8.self)
                reference = nil
            }
        } catch let e as ImportError { throw e } catch {
            throw ImportError.malformed(file: file, detail: "tokenizer: \(error)")
        }
        let text = trimmed(merges)
        let derived: CLIPTokenizer
        do { derived = try CLIPTokenizer(mergesText: text, file: file) } catch { throw ImportError.malformed(file: file, detail: "\(error)") }
        if let reference {
            let probe = "a photo of a diagram, 42 cats & Zürich's ｆｕｌｌ width 😀"
            guard reference.vocabularySize == derived.vocabularySize, reference.encode(probe) == derived.encode(probe) else {
                throw ImportError.unsupported(file: file, detail: "the vocabulary is not CLIP's standard layout derived from its merges (\(reference.vocabularySize) vs \(derived.vocabularySize) ids); custom vocabularies are not supported yet")
            }
        }
        return TokenizerAssets(mergesText: text, source: file)
    }

    /// Keeps the header line and the first `openCLIPMergeCount` merges (what the vocabulary uses).
    static func trimmed(_ text: String) -> String {
        // open_clip's file starts with `"bpe_simple_vocab_16e6.txt#version: 0.2`, HF's with `#version: 0.2`.
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).prefix(CLIPTokenizer.openCLIPMergeCount + 1).map(String.init)
        if let first = lines.first, !first.contains("#version") { lines.insert(header, at: 0); lines = Array(lines.prefix(CLIPTokenizer.openCLIPMergeCount + 1)) }
        while lines.last == "" { lines.removeLast() }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The u8 tensor stored in `.clipz` files.
    public func tensor() throws -> Tensor {
        try Tensor(name: CanonicalName.bpeMerges, dtype: .u8, shape: [mergesText.utf8.count], bytes: Array(mergesText.utf8))
    }

    public var sha256: String { var h = SHA256(); h.update(Array(mergesText.utf8)); return h.finalizeHex() }
}
