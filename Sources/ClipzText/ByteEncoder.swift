/// GPT-2 style reversible byte ↔ printable-character mapping used by CLIP's BPE
/// (`bytes_to_unicode` in open_clip). Printable Latin-1 bytes map to themselves; the other 68
/// bytes map to U+0100 onward in byte order, so no BPE symbol is whitespace or a control code.
enum ByteEncoder {
    /// `order[i]` is the byte whose character comes i-th in open_clip's vocabulary
    /// (printable ranges first, then the remaining bytes ascending).
    static let order: [UInt8] = {
        var bs: [UInt8] = []
        bs += Array(UInt8(ascii: "!")...UInt8(ascii: "~"))
        bs += Array(UInt8(0xA1)...UInt8(0xAC))
        bs += Array(UInt8(0xAE)...UInt8(0xFF))
        let printable = Set(bs)
        for b in 0...255 where !printable.contains(UInt8(b)) { bs.append(UInt8(b)) }
        return bs
    }()

    /// `scalarFor[byte]` is the code point standing for that byte.
    static let scalarFor: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for b in 0...255 {
            let isPrintable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            if isPrintable {
                table[b] = Unicode.Scalar(UInt8(b))
            } else {
                // Values 256..<324 are always valid scalars.
                table[b] = Unicode.Scalar(next) ?? " "
                next += 1
            }
        }
        return table
    }()

    /// Inverse of `scalarFor`, for decoding.
    static let byteFor: [Unicode.Scalar: UInt8] = {
        var d: [Unicode.Scalar: UInt8] = [:]
        for (b, s) in scalarFor.enumerated() { d[s] = UInt8(b) }
        return d
    }()

    /// The 256 single-character vocabulary entries in open_clip's order.
    static var baseSymbols: [String] { order.map { String(Character(scalarFor[Int($0)])) } }

    /// Byte-level string for a UTF-8 byte sequence.
    static func encode<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(scalarFor[Int(b)]) }
        return String(s)
    }
}
