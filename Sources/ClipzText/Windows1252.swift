/// Windows-1252 meaning of the C1 range 0x80–0x9F; undefined positions map to themselves
/// (Python's `_invalid_charrefs` and ftfy's "sloppy" codec agree on this).
enum Windows1252 {
    private static let table: [UInt32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
        0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    ]
    /// The Windows-1252 byte of a scalar (Latin-1 range or one of the 0x80–0x9F specials), or nil.
    static func byte(for s: Unicode.Scalar) -> UInt8? {
        if s.value < 0x80 || (0xA0...0xFF).contains(s.value) { return UInt8(s.value) }
        if let i = table.firstIndex(of: s.value) { return UInt8(0x80 + i) }
        return nil
    }
    static func scalar(forC1 v: UInt32) -> Unicode.Scalar {
        guard (0x80...0x9F).contains(v) else { return Unicode.Scalar(v) ?? "\u{FFFD}" }
        return Unicode.Scalar(table[Int(v - 0x80)]) ?? "\u{FFFD}"
    }
}
