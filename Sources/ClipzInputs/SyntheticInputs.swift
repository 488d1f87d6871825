import ClipzCore
import Foundation

/// Seeded stand-in inputs for `bench` and for `validate` without images or texts.
public enum SyntheticInputs {
    /// Deterministic stand-in images (smooth colour fields plus noise, already normalised) [count, 3, size, size].
    public static func pixels(count: Int, size: Int, seed: UInt64 = 7) -> [Float] {
        var rng = SplitMix64(seed: seed)
        var out = [Float](repeating: 0, count: count * 3 * size * size)
        for n in 0..<count {
            for c in 0..<3 {
                let fx = rng.nextFloat() * 6, fy = rng.nextFloat() * 6, phase = rng.nextFloat() * 6.28
                for y in 0..<size {
                    for x in 0..<size {
                        let u = Float(x) / Float(size), v = Float(y) / Float(size)
                        out[((n * 3 + c) * size + y) * size + x] = 1.5 * sinf(fx * u + fy * v + phase) + 0.3 * rng.nextGaussian()
                    }
                }
            }
        }
        return out
    }

    /// How long synthetic token sequences are, start and end tokens included.
    public enum Length: Sendable {
        /// Every sequence has this many tokens (capped at the context length).
        case fixed(Int)
        /// Each sequence has 2...min(13, context) tokens, drawn from the seed.
        case varied
    }

    /// Deterministic token sequences [start, ids…, end] inside the vocabulary, ending on the token the
    /// model's pooling rule picks (the largest id for argmax pooling, else the EOS id).
    /// - Parameter start: the first id (e.g. the tokenizer's BOS); by default one near the top of the vocabulary.
    public static func tokens(count: Int, config: TextConfig, length: Length = .varied, start: Int? = nil,
                              seed: UInt64 = 11) -> [[Int]] {
        let v = config.vocabSize
        guard v >= 4, config.contextLength >= 2 else { return (0..<count).map { _ in [max(0, v - 1)] } }
        let end = config.pooling == .argmaxID || config.eosTokenID >= v ? v - 1 : config.eosTokenID
        let first = start.map { min(max($0, 0), v - 2) } ?? (end == v - 2 ? v - 3 : v - 2)
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let len: Int
            switch length {
            case .fixed(let n): len = min(max(n, 2), config.contextLength)
            case .varied: len = 2 + Int(rng.next() % UInt64(max(1, min(12, config.contextLength - 2))))
            }
            var row = [first]
            while row.count < len - 1 {
                let id = 1 + Int(rng.next() % UInt64(v - 3))
                if id != end && id != first { row.append(id) }
            }
            return row + [end]
        }
    }
}
