import ClipzCore
import Foundation

/// The header of a `.npy` array (NumPy format v1/v2/v3): magic `\x93NUMPY`, version, header
/// length, then a Python dict literal such as `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
struct NpyHeader {
    var dtype: SourceDType
    var shape: [Int]
    /// Bytes before the array data (magic + lengths + dict + padding).
    var dataOffset: Int

    /// Header dicts longer than this are refused (real ones are under 200 bytes).
    static let maxHeaderBytes = 1 << 20
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]

    /// The prefix needed to call `parse`: at most this many bytes of the file.
    static func headerLength(prefix: [UInt8], file: String) throws -> Int {
        guard prefix.count >= 10, Array(prefix[0..<6]) == magic else {
            throw ImportError.malformed(file: file, detail: "not a .npy array (missing \\x93NUMPY magic)", offset: 0)
        }
        let major = prefix[6]
        let (lenBytes, start): (Int, Int) = major == 1 ? (2, 8) : (4, 8)
        guard major >= 1 && major <= 3 else { throw ImportError.unsupported(file: file, detail: ".npy format version \(major)") }
        guard prefix.count >= start + lenBytes, let len = LE.uint(prefix, start, lenBytes) else {
            throw ImportError.malformed(file: file, detail: "truncated .npy header", offset: start)
        }
        guard len <= maxHeaderBytes else { throw ImportError.limitExceeded(file: file, what: ".npy header length", value: len, limit: maxHeaderBytes) }
        return start + lenBytes + len
    }

    /// Parses a complete header (`bytes` holds at least `headerLength` bytes).
    static func parse(_ bytes: [UInt8], file: String, tensor: String) throws -> NpyHeader {
        let total = try headerLength(prefix: bytes, file: file)
        guard bytes.count >= total else { throw ImportError.malformed(file: file, detail: "truncated .npy header", offset: bytes.count) }
        let dictStart = bytes[6] == 1 ? 10 : 12
        guard let text = String(bytes: bytes[dictStart..<total], encoding: bytes[6] == 3 ? .utf8 : .isoLatin1) else {
            throw ImportError.malformed(file: file, detail: "tensor '\(tensor)': .npy header is not text", offset: dictStart)
        }
        var p = DictParser(chars: Array(text.unicodeScalars), file: file)
        let dict = try p.parseDict()
        guard case let .string(descr)? = dict["descr"] else { throw p.fail("missing 'descr'") }
        guard case let .bool(fortran)? = dict["fortran_order"] else { throw p.fail("missing 'fortran_order'") }
        guard case let .tuple(shape)? = dict["shape"] else { throw p.fail("missing 'shape'") }
        if fortran {
            throw ImportError.unsupported(file: file, detail: "tensor '\(tensor)' is stored in Fortran order; re-save it with np.ascontiguousarray")
        }
        guard let dtype = descrs[descr] else {
            throw ImportError.unsupported(file: file, detail: "tensor '\(tensor)' has dtype '\(descr)' (supported: \(descrs.keys.sorted().joined(separator: ", ")))")
        }
        return NpyHeader(dtype: dtype, shape: shape, dataOffset: total)
    }

    /// Little-endian (or byte-order-free) dtypes only: '>f4' and friends are refused.
    static let descrs: [String: SourceDType] = [
        "<f4": .f32, "<f2": .f16, "<f8": .f64, "<i8": .i64, "<i4": .i32, "|u1": .u8, "|i1": .i8, "<u1": .u8, "<i1": .i8,
    ]
}

/// Just enough of Python's literal syntax for `.npy` headers: a dict of string keys whose values are
/// strings, True/False, or tuples of non-negative integers.
private struct DictParser {
    enum Value { case string(String), bool(Bool), tuple([Int]) }
    let chars: [Unicode.Scalar]
    let file: String
    var i = 0

    func fail(_ msg: String) -> ImportError { .malformed(file: file, detail: ".npy header: \(msg)", offset: i) }

    mutating func skipSpace() { while i < chars.count, chars[i] == " " || chars[i] == "\n" || chars[i] == "\t" { i += 1 } }

    mutating func expect(_ c: Unicode.Scalar) throws {
        skipSpace()
        guard i < chars.count, chars[i] == c else { throw fail("expected '\(c)'") }
        i += 1
    }

    mutating func peek() -> Unicode.Scalar? { skipSpace(); return i < chars.count ? chars[i] : nil }

    mutating func parseDict() throws -> [String: Value] {
        try expect("{")
        var out: [String: Value] = [:]
        while peek() != "}" {
            let key = try parseString()
            try expect(":")
            out[key] = try parseValue()
            if peek() == "," { i += 1 } else { break }
        }
        try expect("}")
        return out
    }

    mutating func parseString() throws -> String {
        guard let q = peek(), q == "'" || q == "\"" else { throw fail("expected a quoted string") }
        i += 1
        var s = ""
        while i < chars.count, chars[i] != q {
            s.unicodeScalars.append(chars[i]); i += 1
            if s.unicodeScalars.count > 256 { throw fail("string too long") }
        }
        guard i < chars.count else { throw fail("unterminated string") }
        i += 1
        return s
    }

    mutating func parseValue() throws -> Value {
        switch peek() {
        case "'", "\"": return .string(try parseString())
        case "(":
            i += 1
            var dims: [Int] = []
            while peek() != ")" {
                dims.append(try parseInt())
                guard dims.count <= DumpLimits.maxRank else { throw fail("shape has more than \(DumpLimits.maxRank) dimensions") }
                if peek() == "," { i += 1 } else { break }
            }
            try expect(")")
            return .tuple(dims)
        default:
            for (word, v) in [("True", true), ("False", false)] where hasWord(word) {
                i += word.unicodeScalars.count
                return .bool(v)
            }
            throw fail("unexpected value")
        }
    }

    func hasWord(_ w: String) -> Bool {
        let ws = Array(w.unicodeScalars)
        return i + ws.count <= chars.count && Array(chars[i..<(i + ws.count)]) == ws
    }

    mutating func parseInt() throws -> Int {
        skipSpace()
        var v = 0, digits = 0
        while i < chars.count, let d = Int(String(chars[i])), chars[i].isASCII {
            guard let m = Checked.mul(v, 10), let a = Checked.add(m, d) else { throw fail("dimension overflows") }
            v = a; i += 1; digits += 1
        }
        if digits == 0 { throw fail("expected a dimension") }
        if peek() == "L" { i += 1 }  // Python 2 long suffix
        return v
    }
}
