import Foundation

/// CLIP's byte-level BPE tokenizer, reproducing open_clip's `SimpleTokenizer` and `tokenize()`
/// id for id: ftfy-style cleanup, HTML unescaping, whitespace collapse, lower-casing,
/// open_clip's pre-tokenisation regex, byte encoding and BPE.
///
/// Instances are immutable apart from an internal, lock-protected word cache, so one tokenizer
/// can be shared across threads.
public final class CLIPTokenizer: Sendable {
    /// Number of ids in the vocabulary (49408 for OpenAI / open_clip CLIP).
    public let vocabularySize: Int
    /// Id of the start-of-text token (49406 for CLIP).
    public let startOfTextID: Int
    /// Id of the end-of-text token (49407 for CLIP); the text tower pools at its position.
    public let endOfTextID: Int
    /// Spellings of the start / end tokens; typed literally in a prompt they map to the ids.
    public let startOfTextToken: String
    public let endOfTextToken: String

    let model: BPEModel
    private let cleaner: TextCleaner
    private let pretokenizer: PreTokenizer

    /// Special token spellings of open_clip ≥ 2 (OpenAI's original used `<|startoftext|>`).
    public static let openCLIPSpecialTokens = ("<start_of_text>", "<end_of_text>")
    /// Merge rules open_clip reads from its BPE file: `merges[1 : 49152-256-2+1]`.
    public static let openCLIPMergeCount = 49152 - 256 - 2

    init(model: BPEModel, start: (String, Int), end: (String, Int)) throws {
        guard let entities = HTMLEntities.shared else { throw TokenizerError.missingResource("html_entities.tsv") }
        self.model = model
        vocabularySize = model.vocab.count
        startOfTextToken = start.0; startOfTextID = start.1
        endOfTextToken = end.0; endOfTextID = end.1
        cleaner = TextCleaner(entities: entities)
        let specials = [start, end].map { (Array($0.0.lowercased().unicodeScalars), $0.1) }
        pretokenizer = PreTokenizer(specials: specials)
    }

    /// BPE ids of `text`, without start/end tokens (open_clip `SimpleTokenizer.encode`).
    public func encode(_ text: String) -> [Int] {
        encode(text, limit: .max)
    }

    /// Encodes until at least `limit` ids exist; later words cannot change earlier ids, so
    /// `tokenize` stops early instead of running BPE over text that truncation would drop.
    private func encode(_ text: String, limit: Int) -> [Int] {
        let cleaned = cleaner.clean(text)
        var ids: [Int] = []
        for piece in pretokenizer.split(cleaned) {
            if ids.count >= limit { break }
            switch piece {
            case let .special(id):
                ids.append(id)
            case let .text(range):
                let word = Substring(String(String.UnicodeScalarView(cleaned[range])))
                ids += model.encodeWord(word).map(Int.init)
            }
        }
        return ids
    }

    /// open_clip `tokenize(texts, context_length)`: one row per text of exactly `contextLength`
    /// ids: start token, BPE ids, end token, then zeros. Rows that are too long are cut to
    /// `contextLength` with the end token kept in the last slot. A `contextLength` below 1
    /// yields empty rows.
    public func tokenize(_ texts: [String], contextLength: Int = 77) -> [[Int]] {
        texts.map { tokenizeOne($0, contextLength: contextLength) }
    }

    private func tokenizeOne(_ text: String, contextLength: Int) -> [Int] {
        guard contextLength > 0 else { return [] }
        var row = [startOfTextID] + encode(text, limit: contextLength) + [endOfTextID]
        if row.count > contextLength {
            row.removeLast(row.count - contextLength)
            row[contextLength - 1] = endOfTextID
        }
        row += repeatElement(0, count: contextLength - row.count)
        return row
    }

    /// Vocabulary strings of `ids` (byte-level symbols, "</w>" marks a word end), for display.
    /// Ids outside the vocabulary show as "<unk:ID>".
    public func tokens(for ids: [Int]) -> [String] {
        ids.map { id in
            guard id >= 0, id < model.vocab.count, !model.vocab[id].isEmpty else { return "<unk:\(id)>" }
            return model.vocab[id]
        }
    }

    /// Text for `ids` as open_clip's `decode`: bytes reassembled, invalid UTF-8 replaced by
    /// U+FFFD, word ends shown as spaces. Unknown ids are skipped.
    public func decode(_ ids: [Int]) -> String {
        var bytes: [UInt8] = []
        for id in ids where id >= 0 && id < model.vocab.count {
            for s in model.vocab[id].unicodeScalars {
                if let b = ByteEncoder.byteFor[s] { bytes.append(b) }
            }
        }
        return String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "</w>", with: " ")
    }
}
