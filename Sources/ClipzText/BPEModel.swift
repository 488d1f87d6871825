import Foundation

/// Byte-level BPE over vocabulary ids: a rank table keyed by symbol-id pairs and a bounded
/// per-word cache. Merging is open_clip's `bpe()`: repeatedly take the adjacent pair with the
/// lowest rank and merge every non-overlapping occurrence left to right.
final class BPEModel: @unchecked Sendable {
    /// Rank and result of one merge rule.
    struct Merge { let rank: Int32; let merged: Int32 }

    /// id → vocabulary string (empty for ids the vocabulary does not define).
    let vocab: [String]
    let encoder: [String: Int]
    private let merges: [UInt64: Merge]
    /// Symbol id of each byte as a word-inner character, and as a word-final one ("x</w>").
    private let byteIDs: [Int32]
    private let byteEndIDs: [Int32]

    // The cache is the only mutable state; it is guarded by `lock` (tokenizers are shared across threads).
    private let lock = NSLock()
    private var cache: [Substring: [Int32]] = [:]
    private static let cacheLimit = 50_000

    /// - Parameters:
    ///   - vocab: id → token string; `encoder` is built from it (a later duplicate wins, as in Python).
    ///   - mergePairs: merge rules in rank order, with the line they came from for error messages.
    init(vocab: [String], mergePairs: [(String, String, line: Int)], file: String) throws {
        var encoder: [String: Int] = [:]
        encoder.reserveCapacity(vocab.count)
        for (id, token) in vocab.enumerated() where !token.isEmpty { encoder[token] = id }
        var byteIDs: [Int32] = [], byteEndIDs: [Int32] = []
        for b in 0..<256 {
            let ch = String(Character(ByteEncoder.scalarFor[b]))
            guard let id = encoder[ch], let endID = encoder[ch + "</w>"] else {
                throw TokenizerError.malformed(file: file, reason: "vocabulary lacks the byte symbol '\(ch)' or '\(ch)</w>'")
            }
            byteIDs.append(Int32(id)); byteEndIDs.append(Int32(endID))
        }
        var merges: [UInt64: Merge] = [:]
        merges.reserveCapacity(mergePairs.count)
        for (rank, m) in mergePairs.enumerated() {
            // A rule whose parts are not tokens can never fire; Python keeps it but never uses it.
            guard let a = encoder[m.0], let b = encoder[m.1] else { continue }
            guard let merged = encoder[m.0 + m.1] else {
                throw TokenizerError.badMerge(file: file, line: m.line, text: "\(m.0) \(m.1) (result not in vocabulary)")
            }
            merges[Self.key(Int32(a), Int32(b))] = Merge(rank: Int32(rank), merged: Int32(merged))
        }
        self.vocab = vocab
        self.encoder = encoder
        self.merges = merges
        self.byteIDs = byteIDs
        self.byteEndIDs = byteEndIDs
    }

    @inline(__always) private static func key(_ a: Int32, _ b: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))
    }

    /// Ids for one pre-tokenised word (its UTF-8 bytes are byte-encoded first).
    func encodeWord(_ word: Substring) -> [Int32] {
        lock.lock()
        if let hit = cache[word] { lock.unlock(); return hit }
        lock.unlock()
        let ids = merge(Array(word.utf8))
        lock.lock()
        if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
        cache[word] = ids
        lock.unlock()
        return ids
    }

    private func merge(_ bytes: [UInt8]) -> [Int32] {
        guard let last = bytes.last else { return [] }
        var word = bytes.dropLast().map { byteIDs[Int($0)] }
        word.append(byteEndIDs[Int(last)])
        var scratch: [Int32] = []
        scratch.reserveCapacity(word.count)
        while word.count > 1 {
            var best: Merge? = nil
            var bestPair: (Int32, Int32) = (0, 0)
            for i in 0..<(word.count - 1) {
                if let m = merges[Self.key(word[i], word[i + 1])], m.rank < (best?.rank ?? .max) {
                    best = m; bestPair = (word[i], word[i + 1])
                }
            }
            guard let rule = best else { break }
            scratch.removeAll(keepingCapacity: true)
            var i = 0
            while i < word.count {
                if i + 1 < word.count, word[i] == bestPair.0, word[i + 1] == bestPair.1 {
                    scratch.append(rule.merged); i += 2
                } else {
                    scratch.append(word[i]); i += 1
                }
            }
            swap(&word, &scratch)
        }
        return word
    }
}
