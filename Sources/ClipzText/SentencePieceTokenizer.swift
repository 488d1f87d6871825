import ClipzCore
import CSentencePiece

/// SigLIP's tokenizers: text canonicalised as the source pipeline does, then a SentencePiece model
/// (libsentencepiece), an end-of-sequence id, truncation and padding to the full context, id for id
/// as transformers' `SiglipTokenizer(padding="max_length", truncation=True)` (and open_clip's
/// `HFTokenizer(clean="canonicalize")` in front of it). SigLIP 2's Gemma model (`.gemma`,
/// `.gemmaOpenCLIP`) is tokenized as transformers' `GemmaTokenizer` with the same arguments does.
///
/// The SentencePiece processor is immutable after loading and its encoder is const, so one
/// tokenizer can be shared across threads.
public final class SentencePieceTokenizer: TextTokenizer, @unchecked Sendable {
    /// How raw text is cleaned before SentencePiece sees it.
    public enum Cleaning: String, Sendable, CaseIterable {
        /// transformers' `SiglipTokenizer.canonicalize_text`: lower-case (when asked), drop ASCII
        /// punctuation, collapse whitespace runs to one space, trim.
        case huggingFace = "siglip_hf"
        /// open_clip's `canonicalize_text` (underscores become spaces first) in front of the above.
        case openCLIP = "siglip_open_clip"
        /// transformers' `GemmaTokenizer` (SigLIP 2): the text as it is (lower-cased per character when
        /// `lowercase`, as `Siglip2Tokenizer` does), special pieces split out, SentencePiece, BOS/EOS when
        /// their ids are given.
        case gemma = "gemma_hf"
        /// open_clip's `canonicalize_text` in front of `.gemma` (open_clip's SigLIP 2 configs).
        case gemmaOpenCLIP = "gemma_open_clip"

        /// SigLIP 2's Gemma tokenizer rather than SigLIP's `SiglipTokenizer`.
        public var isGemma: Bool { self == .gemma || self == .gemmaOpenCLIP }
        var openCLIPFirst: Bool { self == .openCLIP || self == .gemmaOpenCLIP }
    }

    /// Largest model file accepted (SigLIP's is 0.8 MB, Gemma's 4.2 MB).
    public static let maxModelBytes = 64 << 20

    public let vocabularySize: Int
    /// Appended to every text; -1 (`.gemma` with `add_eos_token` false): none.
    public let endOfSequenceID: Int
    /// Put before every text (`.gemma` with `add_bos_token`); -1: none.
    public let beginningOfSequenceID: Int
    public let padID: Int
    public let lowercase: Bool
    public let cleaning: Cleaning
    private let handle: OpaquePointer
    /// Special pieces typed literally in a text map to their ids (transformers splits them out first).
    private let specials: [(piece: String, id: Int)]
    /// transformers encodes `"<unk>" + text` and drops the pieces of "<unk>" (see `encodeSegment`).
    private let unkPiece: String
    private let unkPieceCount: Int
    /// open_clip's `basic_clean` (only for `.openCLIP` and `.gemmaOpenCLIP`).
    private let cleaner: TextCleaner?

    /// - Parameters:
    ///   - model: bytes of a serialized SentencePiece model (`spiece.model`, `tokenizer.model`).
    ///   - bosID: put before every text (only `.gemma`, `.gemmaOpenCLIP`); -1: none.
    ///   - eosID: appended to every text (SigLIP: `</s>`, SigLIP 2: `<eos>`); -1 (Gemma only): none.
    ///     `padID` fills the rest of the context.
    ///   - file: named in errors.
    /// - Throws: `TokenizerError` when the model is too large, does not parse, or the ids are outside it.
    public init(model: [UInt8], bosID: Int = -1, eosID: Int, padID: Int, lowercase: Bool = true, cleaning: Cleaning = .huggingFace,
                file: String) throws {
        if cleaning.openCLIPFirst {
            guard let entities = HTMLEntities.shared else { throw TokenizerError.missingResource("html_entities.tsv") }
            cleaner = TextCleaner(entities: entities)
        } else {
            cleaner = nil
        }
        guard model.count <= Self.maxModelBytes else {
            throw TokenizerError.tooLarge(file: file, bytes: model.count, limit: Self.maxModelBytes)
        }
        var err = [CChar](repeating: 0, count: 512)
        guard let h = model.withUnsafeBytes({ clipz_spm_load($0.baseAddress, $0.count, &err, err.count) }) else {
            throw TokenizerError.malformed(file: file, reason: "not a SentencePiece model: \(Self.string(err))")
        }
        let count = Int(clipz_spm_piece_count(h)), unk = Int(clipz_spm_unk_id(h))
        func piece(_ id: Int, _ role: String) throws -> String {
            guard let p = Self.piece(h, id, count: count) else {
                clipz_spm_free(h)
                throw TokenizerError.missingSpecialToken(file: file, token: "\(role) id \(id) (the model has \(count) pieces)")
            }
            return p
        }
        let optional = cleaning.isGemma
        let eosPiece = optional && eosID == -1 ? nil : try piece(eosID, "end-of-sequence")
        let padPiece = try piece(padID, "padding"), unkPiece = try piece(unk, "unknown")
        if bosID != -1 {
            guard optional else {
                clipz_spm_free(h)
                throw TokenizerError.malformed(file: file, reason: "a beginning-of-sequence id (\(bosID)) needs the Gemma tokenizer")
            }
            _ = try piece(bosID, "beginning-of-sequence")
        }
        handle = h
        vocabularySize = count
        endOfSequenceID = eosID
        beginningOfSequenceID = bosID
        self.padID = padID
        self.unkPiece = unkPiece
        self.lowercase = lowercase
        self.cleaning = cleaning
        var seen = Set<String>()
        if optional {
            // transformers splits its added tokens (the control pieces and <unk>) out of the raw text; the
            // user-defined pieces (<mask>...) SentencePiece itself matches.
            var list = [(unkPiece, unk)]
            for id in 0..<count where clipz_spm_is_control(h, Int32(id)) != 0 { list.append((try piece(id, "control"), id)) }
            specials = list.filter { seen.insert($0.0).inserted }
        } else {
            specials = [(eosPiece ?? "", eosID), (padPiece, padID), (unkPiece, unk)].filter { seen.insert($0.0).inserted }
        }
        unkPieceCount = Self.encodeRaw(h, unkPiece).count
    }

    /// The tokenizer a `siglip_spm` spec describes (`clean` nil: `.huggingFace`, as files before it had).
    /// - Throws: `TokenizerError` as above, or for a `clean` value this Clipz does not know.
    public convenience init(model: [UInt8], spec: TokenizerSpec, file: String) throws {
        guard let cleaning = Cleaning(rawValue: spec.clean ?? Cleaning.huggingFace.rawValue) else {
            throw TokenizerError.malformed(file: file, reason: "unknown SentencePiece text cleaning '\(spec.clean ?? "")' (known: "
                                           + Cleaning.allCases.map(\.rawValue).joined(separator: ", ") + ")")
        }
        try self.init(model: model, bosID: spec.bosTokenID, eosID: spec.eosTokenID, padID: spec.padTokenID, lowercase: spec.lowercase,
                      cleaning: cleaning, file: file)
    }

    deinit { clipz_spm_free(handle) }

    public func tokenize(_ texts: [String], contextLength: Int) -> [[Int]] {
        texts.map { tokenizeOne($0, contextLength: contextLength) }
    }

    /// Ids of `text` without the begin/end-of-sequence ids, truncation or padding.
    public func encode(_ text: String) -> [Int] {
        var t = text
        if let cleaner { t = Self.openCLIPCanonical(t, cleaner: cleaner) }
        if cleaning.isGemma { return encodeGemma(t) }
        // transformers' SiglipTokenizer.tokenize: "▁" + text with every "▁" turned into a space, special
        // pieces split out (whitespace around them stripped), each other segment canonicalised and encoded.
        t = "\u{2581}" + t.replacingOccurrences(of: "\u{2581}", with: " ")
        var ids: [Int] = []
        var pieceAtStart = false
        for (i, segment) in splitSpecials(t).enumerated() {
            switch segment {
            case let .special(id): ids.append(id)
            case let .text(s):
                let encoded = encodeSegment(s)
                if i == 0, encoded == [pieceID("\u{2581}")] { pieceAtStart = true }
                ids += encoded
            }
        }
        // "▁" alone before a special piece is dropped (SiglipTokenizer.tokenize).
        if pieceAtStart, ids.count > 1, specials.contains(where: { $0.id == ids[1] }) { ids.removeFirst() }
        return ids
    }

    /// transformers' GemmaTokenizer: special pieces split out of the raw text (whitespace around them
    /// kept), every other chunk lower-cased when asked (tokenizers' `Lowercase` normalizer) and encoded
    /// as it is (Gemma's model has no dummy prefix and keeps whitespace).
    private func encodeGemma(_ text: String) -> [Int] {
        splitSpecials(text, stripping: false).flatMap { segment -> [Int] in
            switch segment {
            case let .special(id): return [id]
            case let .text(s): return Self.encodeRaw(handle, lowercase ? Self.characterLower(s) : s)
            }
        }
    }

    private func tokenizeOne(_ text: String, contextLength: Int) -> [Int] {
        guard contextLength > 0 else { return [] }
        var ids = encode(text)
        if cleaning.isGemma {
            // The text is cut to leave room for the BOS/EOS the post-processor adds, then padded on the right.
            let bos = beginningOfSequenceID >= 0 ? [beginningOfSequenceID] : [], eos = endOfSequenceID >= 0 ? [endOfSequenceID] : []
            ids = Array((bos + ids.prefix(max(0, contextLength - bos.count - eos.count)) + eos).prefix(contextLength))
            return ids + repeatElement(padID, count: contextLength - ids.count)
        }
        if ids.last == endOfSequenceID {
            if ids.count > contextLength { ids.removeLast(ids.count - contextLength) }
        } else {
            if ids.count > contextLength - 1 { ids.removeLast(ids.count - (contextLength - 1)) }
            ids.append(endOfSequenceID)
        }
        return ids + repeatElement(padID, count: contextLength - ids.count)
    }

    /// Id of a piece (nil when the vocabulary does not have it).
    public func id(ofPiece piece: String) -> Int? {
        let id = pieceID(piece)
        return id >= 0 && id < vocabularySize && (id != Int(clipz_spm_unk_id(handle)) || piece == unkPiece) ? id : nil
    }

    public func tokens(for ids: [Int]) -> [String] {
        ids.map { Self.piece(handle, $0, count: vocabularySize) ?? "<unk:\($0)>" }
    }

    /// The piece of `id` (nil outside 0..<count), whole however long it is.
    private static func piece(_ handle: OpaquePointer, _ id: Int, count: Int) -> String? {
        guard id >= 0, id < count else { return nil }
        var buf = [CChar](repeating: 0, count: 256)
        let n = clipz_spm_id_to_piece(handle, Int32(id), &buf, buf.count)
        guard n >= 0 else { return nil }
        if n >= buf.count {
            buf = [CChar](repeating: 0, count: n + 1)
            guard clipz_spm_id_to_piece(handle, Int32(id), &buf, buf.count) == n else { return nil }
        }
        return string(buf)
    }

    // MARK: - Steps

    private enum Segment { case text(String), special(Int) }

    /// Splits out literal special pieces, stripping whitespace on both sides of each when `stripping`
    /// (SiglipTokenizer's `AddedToken(lstrip=True, rstrip=True)`; Gemma's added tokens keep it).
    private func splitSpecials(_ text: String, stripping: Bool = true) -> [Segment] {
        var out: [Segment] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            var first: (range: Range<Substring.Index>, id: Int)?
            for (piece, id) in specials {
                if let r = rest.range(of: piece), first == nil || r.lowerBound < first!.range.lowerBound { first = (r, id) }
            }
            guard let hit = first else { out.append(.text(String(rest))); break }
            let before = rest[..<hit.range.lowerBound]
            let trimmed = stripping ? String(String(before.reversed().drop(while: \.isWhitespace).reversed())) : String(before)
            if !trimmed.isEmpty { out.append(.text(trimmed)) }
            out.append(.special(hit.id))
            rest = rest[hit.range.upperBound...]
            if stripping { rest = rest.drop(while: \.isWhitespace) }
        }
        return out
    }

    /// `SiglipTokenizer._tokenize`: canonicalise, encode "<unk>" + text, drop the pieces of "<unk>"
    /// (which keeps SentencePiece from adding its own dummy prefix to the text).
    private func encodeSegment(_ s: String) -> [Int] {
        let canonical = Self.hfCanonical(s, lowercase: lowercase)
        let ids = Self.encodeRaw(handle, unkPiece + canonical)
        return ids.count >= unkPieceCount ? Array(ids.dropFirst(unkPieceCount)) : ids
    }

    private func pieceID(_ piece: String) -> Int {
        Int(piece.withCString { clipz_spm_piece_to_id(handle, $0, piece.utf8.count) })
    }

    private static func encodeRaw(_ handle: OpaquePointer, _ text: String) -> [Int] {
        var utf8 = Array(text.utf8)
        var out = [Int32](repeating: 0, count: utf8.count + 8)
        var err = [CChar](repeating: 0, count: 256)
        let n = utf8.withUnsafeMutableBufferPointer { t in
            t.withMemoryRebound(to: CChar.self) { clipz_spm_encode(handle, $0.baseAddress, $0.count, &out, out.count, &err, err.count) }
        }
        if n > out.count {
            out = [Int32](repeating: 0, count: n)
            _ = utf8.withUnsafeMutableBufferPointer { t in
                t.withMemoryRebound(to: CChar.self) { clipz_spm_encode(handle, $0.baseAddress, $0.count, &out, out.count, &err, err.count) }
            }
        }
        return n < 0 ? [] : out.prefix(n).map(Int.init)
    }

    /// A NUL-terminated C buffer as a String.
    private static func string(_ buf: [CChar]) -> String {
        String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    // MARK: - Canonical text

    /// Python's `string.punctuation`.
    static let asciiPunctuation = Set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".unicodeScalars)

    /// transformers' `canonicalize_text`: lower-case (Python `str.lower`), drop ASCII punctuation,
    /// `re.sub(r"\s+", " ")`, `strip()`.
    static func hfCanonical(_ text: String, lowercase: Bool) -> String {
        var t = Array(text.unicodeScalars)
        if lowercase { t = TextCleaner.pythonLower(t) }
        return String(String.UnicodeScalarView(TextCleaner.collapseWhitespace(t.filter { !asciiPunctuation.contains($0) })))
    }

    /// tokenizers' `Lowercase` normalizer: each character's own lower-case mapping (so `Σ` is always `σ`).
    static func characterLower(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars { out.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars) }
        return String(out)
    }

    /// open_clip's `HFTokenizer(clean="canonicalize")`: `basic_clean` (ftfy, HTML unescaping), then its
    /// `canonicalize_text`: "_" → " ", drop ASCII punctuation, lower-case, `" ".join(text.split())`.
    static func openCLIPCanonical(_ text: String, cleaner: TextCleaner) -> String {
        let t = cleaner.basicClean(text).map { $0 == "_" ? " " : $0 }.filter { !asciiPunctuation.contains($0) }
        return String(String.UnicodeScalarView(TextCleaner.collapseWhitespace(TextCleaner.pythonLower(t))))
    }
}
