import Foundation

/// Constructors from the three vocabulary formats CLIP checkpoints ship with.
extension CLIPTokenizer {
    /// Largest tokenizer file accepted (the real ones are 1–4 MB).
    static let maxFileBytes = 64 << 20
    /// Largest vocabulary / merge count accepted before allocating tables.
    static let maxEntries = 1 << 20

    /// Builds the tokenizer from open_clip's BPE file content (`bpe_simple_vocab_16e6.txt`):
    /// a version header line, then one "a b" merge per line. The vocabulary is derived as open_clip
    /// does: the 256 byte symbols, the same with "</w>", the first `mergeCount` merges joined,
    /// then the two special tokens.
    public convenience init(mergesText: String, mergeCount: Int = CLIPTokenizer.openCLIPMergeCount,
                            specialTokens: (String, String) = CLIPTokenizer.openCLIPSpecialTokens,
                            file: String = "bpe vocabulary") throws {
        guard mergesText.utf8.count <= Self.maxFileBytes else {
            throw TokenizerError.tooLarge(file: file, bytes: mergesText.utf8.count, limit: Self.maxFileBytes)
        }
        let pairs = try Self.parseMerges(mergesText, skipHeader: true, limit: min(max(mergeCount, 0), Self.maxEntries), file: file)
        let base = ByteEncoder.baseSymbols
        var vocab = base + base.map { $0 + "</w>" }
        vocab += pairs.map { $0.0 + $0.1 }
        let startID = vocab.count
        vocab += [specialTokens.0, specialTokens.1]
        let model = try BPEModel(vocab: vocab, mergePairs: pairs, file: file)
        try self.init(model: model, start: (specialTokens.0, startID), end: (specialTokens.1, startID + 1))
    }

    /// Builds the tokenizer from Hugging Face `vocab.json` and `merges.txt` (first line
    /// `#version: …`, then "a b" merges). Special tokens are `<|startoftext|>` / `<|endoftext|>`
    /// (or open_clip's spellings) looked up in the vocabulary.
    public convenience init(vocabJSON: Data, mergesTXT: String) throws {
        let vocab = try Self.parseVocabObject(try Self.jsonObject(vocabJSON, file: "vocab.json"), file: "vocab.json")
        let pairs = try Self.parseMerges(mergesTXT, skipHeader: nil, limit: Self.maxEntries, file: "merges.txt")
        try self.init(vocab: vocab, pairs: pairs, added: [:], file: "vocab.json")
    }

    /// Builds the tokenizer from a Hugging Face `tokenizer.json` (a BPE model with `model.vocab`
    /// and `model.merges`; merges as "a b" strings or two-element arrays).
    public convenience init(tokenizerJSON: Data) throws {
        let file = "tokenizer.json"
        guard let root = try Self.jsonObject(tokenizerJSON, file: file) as? [String: Any],
              let model = root["model"] as? [String: Any] else {
            throw TokenizerError.malformed(file: file, reason: "no 'model' object")
        }
        if let type = model["type"] as? String, type != "BPE" {
            throw TokenizerError.malformed(file: file, reason: "model type '\(type)' is not BPE")
        }
        if let suffix = model["end_of_word_suffix"] as? String, suffix != "</w>" {
            throw TokenizerError.malformed(file: file, reason: "end_of_word_suffix '\(suffix)' is not '</w>'")
        }
        let vocab = try Self.parseVocabObject(model["vocab"] as Any, file: file)
        guard let rawMerges = model["merges"] as? [Any], rawMerges.count <= Self.maxEntries else {
            throw TokenizerError.malformed(file: file, reason: "model.merges missing or larger than \(Self.maxEntries)")
        }
        var pairs: [(String, String, line: Int)] = []
        pairs.reserveCapacity(rawMerges.count)
        for (i, m) in rawMerges.enumerated() {
            if let s = m as? String {
                let parts = s.split(separator: " ", omittingEmptySubsequences: true)
                guard parts.count == 2 else { throw TokenizerError.badMerge(file: file, line: i, text: s) }
                pairs.append((String(parts[0]), String(parts[1]), line: i))
            } else if let a = m as? [Any], a.count == 2, let x = a[0] as? String, let y = a[1] as? String {
                pairs.append((x, y, line: i))
            } else {
                throw TokenizerError.badMerge(file: file, line: i, text: "\(m)")
            }
        }
        var added: [String: Int] = [:]
        for t in root["added_tokens"] as? [[String: Any]] ?? [] {
            if let content = t["content"] as? String, let id = t["id"] as? Int { added[content] = id }
        }
        try self.init(vocab: vocab, pairs: pairs, added: added, file: file)
    }

    /// Shared path of the two Hugging Face formats.
    private convenience init(vocab: [String: Int], pairs: [(String, String, line: Int)], added: [String: Int], file: String) throws {
        var all = vocab
        for (k, v) in added where all[k] == nil { all[k] = v }
        guard let maxID = all.values.max(), maxID < Self.maxEntries, all.values.min() ?? 0 >= 0 else {
            throw TokenizerError.malformed(file: file, reason: "vocabulary empty or ids outside 0..<\(Self.maxEntries)")
        }
        var table = [String](repeating: "", count: maxID + 1)
        for (token, id) in all {
            guard table[id].isEmpty else { throw TokenizerError.malformed(file: file, reason: "id \(id) is used twice") }
            table[id] = token
        }
        let candidates = [("<|startoftext|>", "<|endoftext|>"), CLIPTokenizer.openCLIPSpecialTokens]
        guard let names = candidates.first(where: { all[$0.0] != nil && all[$0.1] != nil }),
              let s = all[names.0], let e = all[names.1] else {
            throw TokenizerError.missingSpecialToken(file: file, token: "<|startoftext|> / <|endoftext|>")
        }
        let model = try BPEModel(vocab: table, mergePairs: pairs, file: file)
        try self.init(model: model, start: (names.0, s), end: (names.1, e))
    }

    private static func jsonObject(_ data: Data, file: String) throws -> Any {
        guard data.count <= maxFileBytes else { throw TokenizerError.tooLarge(file: file, bytes: data.count, limit: maxFileBytes) }
        do { return try JSONSerialization.jsonObject(with: data) } catch {
            throw TokenizerError.malformed(file: file, reason: "invalid JSON: \(error.localizedDescription)")
        }
    }

    private static func parseVocabObject(_ object: Any, file: String) throws -> [String: Int] {
        guard let dict = object as? [String: Any], dict.count <= maxEntries else {
            throw TokenizerError.malformed(file: file, reason: "vocab is not an object of at most \(maxEntries) entries")
        }
        var out: [String: Int] = [:]
        out.reserveCapacity(dict.count)
        for (k, v) in dict {
            guard let n = v as? NSNumber, let id = Int(exactly: n.doubleValue) else {
                throw TokenizerError.malformed(file: file, reason: "vocab entry '\(k.prefix(40))' has a non-integer id")
            }
            out[k] = id
        }
        return out
    }

    /// Splits merge lines on whitespace. `skipHeader` true drops line 1 unconditionally (open_clip);
    /// nil drops it only when it starts with "#version" (Hugging Face). Blank lines are ignored.
    static func parseMerges(_ text: String, skipHeader: Bool?, limit: Int, file: String) throws -> [(String, String, line: Int)] {
        var pairs: [(String, String, line: Int)] = []
        var lineNo = 0
        var rest = text[...]
        // Lines are cut lazily: open_clip's file has ~262k lines but only the first 48,895 are used.
        while !rest.isEmpty, pairs.count < limit {
            let newline = rest.utf8.firstIndex(of: UInt8(ascii: "\n")) ?? rest.endIndex
            let line = rest[..<newline]
            rest = newline == rest.endIndex ? rest[rest.endIndex...] : rest[rest.utf8.index(after: newline)...]
            lineNo += 1
            if lineNo == 1, skipHeader ?? line.hasPrefix("#version") { continue }
            let parts = line.split(whereSeparator: \.isWhitespace)
            if parts.isEmpty { continue }
            guard parts.count == 2 else { throw TokenizerError.badMerge(file: file, line: lineNo, text: String(line)) }
            pairs.append((String(parts[0]), String(parts[1]), line: lineNo))
        }
        return pairs
    }
}
