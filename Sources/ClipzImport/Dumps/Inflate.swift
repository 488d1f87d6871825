import ClipzCore

/// A small raw-DEFLATE (RFC 1951) decoder for compressed `.npz` members (`np.savez_compressed`).
/// Written in Swift because ClipzImport has no module for zlib's headers. Every read is bounds
/// checked and the output may never exceed the size the archive declared.
enum Inflate {
    /// DEFLATE cannot expand data by more than about 1032:1; a larger declared size is corrupt.
    static let maxRatio = 1032

    static func raw(_ input: [UInt8], expectedSize: Int, file: String, what: String, offset: Int) throws -> [UInt8] {
        func fail(_ msg: String) -> ImportError { .malformed(file: file, detail: "\(what): deflate stream: \(msg)", offset: offset) }
        guard let bound = Checked.add(Checked.mul(input.count, maxRatio) ?? Int.max, 1024), expectedSize <= bound else {
            throw fail("declared size \(expectedSize) is impossible for \(input.count) compressed bytes")
        }
        var s = State(input: input, limit: expectedSize)
        s.out.reserveCapacity(expectedSize)
        do { try s.run() } catch let e as InflateFailure { throw fail(e.message) }
        guard s.out.count == expectedSize else { throw fail("produced \(s.out.count) bytes, expected \(expectedSize)") }
        return s.out
    }

    /// The first bytes of a stream (at most `count`), for peeking at an .npy header without
    /// inflating the whole member. Errors after some output are ignored: the caller parses what came out.
    static func prefix(_ input: [UInt8], count: Int) -> [UInt8] {
        var s = State(input: input, limit: count)
        try? s.run()
        return s.out
    }

    struct InflateFailure: Error { let message: String }

    /// Canonical Huffman code as counts per length and symbols in code order.
    struct Huffman {
        var counts = [Int](repeating: 0, count: 16)
        var symbols: [Int] = []
        /// False when more codes were assigned than the lengths allow (a corrupt table).
        var valid = true
        init(lengths: [Int]) {
            for l in lengths { counts[l] += 1 }
            counts[0] = 0
            var left = 1
            for len in 1...15 {
                left = left << 1 - counts[len]
                if left < 0 { valid = false; return }
            }
            var offs = [Int](repeating: 0, count: 16)
            for len in 1..<15 { offs[len + 1] = offs[len] + counts[len] }
            symbols = [Int](repeating: 0, count: lengths.count)
            for (sym, l) in lengths.enumerated() where l != 0 { symbols[offs[l]] = sym; offs[l] += 1 }
        }
    }

    static let lenBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lenExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
                           4097, 6145, 8193, 12289, 16385, 24577]
    static let distExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
    static let clOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    struct State {
        let input: [UInt8]
        let limit: Int
        var pos = 0, bitBuf = 0, bitCount = 0
        var out: [UInt8] = []
        init(input: [UInt8], limit: Int) { self.input = input; self.limit = limit }

        mutating func bits(_ n: Int) throws -> Int {
            while bitCount < n {
                guard pos < input.count else { throw InflateFailure(message: "truncated") }
                bitBuf |= Int(input[pos]) << bitCount; pos += 1; bitCount += 8
            }
            let v = bitBuf & ((1 << n) - 1)
            bitBuf >>= n; bitCount -= n
            return v
        }

        mutating func decode(_ h: Huffman) throws -> Int {
            var code = 0, first = 0, index = 0
            for len in 1...15 {
                code |= try bits(1)
                let count = h.counts[len]
                if code - first < count { return h.symbols[index + code - first] }
                index += count; first += count; first <<= 1; code <<= 1
            }
            throw InflateFailure(message: "invalid Huffman code")
        }

        mutating func emit(_ b: UInt8) throws {
            guard out.count < limit else { throw InflateFailure(message: "output exceeds the declared size") }
            out.append(b)
        }

        mutating func run() throws {
            var last = 0
            repeat {
                last = try bits(1)
                switch try bits(2) {
                case 0: try stored()
                case 1: try codes(Inflate.fixedLit, Inflate.fixedDist)
                case 2: let (l, d) = try dynamicTables(); try codes(l, d)
                default: throw InflateFailure(message: "invalid block type 3")
                }
            } while last == 0
        }

        mutating func stored() throws {
            bitBuf = 0; bitCount = 0
            guard pos + 4 <= input.count else { throw InflateFailure(message: "truncated stored block") }
            let len = Int(input[pos]) | Int(input[pos + 1]) << 8, nlen = Int(input[pos + 2]) | Int(input[pos + 3]) << 8
            pos += 4
            guard len == (~nlen & 0xFFFF) else { throw InflateFailure(message: "stored block length check failed") }
            guard pos + len <= input.count else { throw InflateFailure(message: "truncated stored block") }
            guard out.count + len <= limit else { throw InflateFailure(message: "output exceeds the declared size") }
            out.append(contentsOf: input[pos..<(pos + len)]); pos += len
        }

        mutating func codes(_ lit: Huffman, _ dist: Huffman) throws {
            while true {
                let sym = try decode(lit)
                if sym < 256 { try emit(UInt8(sym)); continue }
                if sym == 256 { return }
                let li = sym - 257
                guard li < 29 else { throw InflateFailure(message: "invalid length symbol \(sym)") }
                let len = Inflate.lenBase[li] + (try bits(Inflate.lenExtra[li]))
                let ds = try decode(dist)
                guard ds < 30 else { throw InflateFailure(message: "invalid distance symbol \(ds)") }
                let d = Inflate.distBase[ds] + (try bits(Inflate.distExtra[ds]))
                guard d <= out.count else { throw InflateFailure(message: "distance \(d) before start of output") }
                guard out.count + len <= limit else { throw InflateFailure(message: "output exceeds the declared size") }
                let start = out.count - d
                for i in 0..<len { out.append(out[start + i]) }
            }
        }

        mutating func dynamicTables() throws -> (Huffman, Huffman) {
            let nlen = try bits(5) + 257, ndist = try bits(5) + 1, ncode = try bits(4) + 4
            guard nlen <= 286, ndist <= 30 else { throw InflateFailure(message: "too many length or distance codes") }
            var cl = [Int](repeating: 0, count: 19)
            for i in 0..<ncode { cl[Inflate.clOrder[i]] = try bits(3) }
            let clCode = try checked(Huffman(lengths: cl))
            var lengths: [Int] = []
            while lengths.count < nlen + ndist {
                let sym = try decode(clCode)
                switch sym {
                case 0..<16: lengths.append(sym)
                case 16:
                    guard let prev = lengths.last else { throw InflateFailure(message: "repeat with no previous length") }
                    lengths += Array(repeating: prev, count: 3 + (try bits(2)))
                case 17: lengths += Array(repeating: 0, count: 3 + (try bits(3)))
                default: lengths += Array(repeating: 0, count: 11 + (try bits(7)))
                }
            }
            guard lengths.count == nlen + ndist else { throw InflateFailure(message: "code lengths overrun") }
            guard lengths[256] != 0 else { throw InflateFailure(message: "no end-of-block code") }
            return (try checked(Huffman(lengths: Array(lengths[0..<nlen]))), try checked(Huffman(lengths: Array(lengths[nlen...]))))
        }

        func checked(_ h: Huffman) throws -> Huffman {
            guard h.valid else { throw InflateFailure(message: "over-subscribed Huffman code") }
            return h
        }
    }

    static let fixedLit: Huffman = {
        var l = [Int](repeating: 8, count: 288)
        for i in 144..<256 { l[i] = 9 }
        for i in 256..<280 { l[i] = 7 }
        return Huffman(lengths: l)
    }()
    static let fixedDist = Huffman(lengths: [Int](repeating: 5, count: 30))
}
