import ClipzCore

/// The member table of a zip archive (what `np.savez` writes): end-of-central-directory record,
/// optional ZIP64 records, central directory, and each member's local header. Only the directory
/// is read; member data is located, not loaded. Each member's CRC-32 is kept for the reader to check.
enum ZipReader {
    struct Member {
        var name: String
        /// 0 = stored, 8 = deflate.
        var method: Int
        var compressedSize: Int
        var size: Int
        /// zip's CRC-32 of the uncompressed bytes.
        var crc32: UInt32
        /// Offset of the member's data (after its local header).
        var dataOffset: Int
    }

    static let maxMembers = DumpLimits.maxTensors
    static let maxDirectoryBytes = 64 << 20

    static func members(path: String) throws -> [Member] {
        let r = try FileReader(path: path)
        let (count, dirOffset, dirSize) = try endOfDirectory(r)
        guard count <= maxMembers else { throw ImportError.limitExceeded(file: path, what: "zip member count", value: count, limit: maxMembers) }
        guard dirSize <= maxDirectoryBytes else {
            throw ImportError.limitExceeded(file: path, what: "zip central directory size", value: dirSize, limit: maxDirectoryBytes)
        }
        let dir = try r.read(at: dirOffset, count: dirSize, what: "zip central directory")
        var out: [Member] = []
        var p = 0
        for _ in 0..<count {
            func bad(_ m: String) -> ImportError { .malformed(file: path, detail: "zip central directory: \(m)", offset: dirOffset + p) }
            guard LE.u32(dir, p) == 0x0201_4B50, let method = LE.u16(dir, p + 10), let flags = LE.u16(dir, p + 8), let crc = LE.u32(dir, p + 16),
                  var comp = LE.u32(dir, p + 20), var size = LE.u32(dir, p + 24), let nameLen = LE.u16(dir, p + 28),
                  let extraLen = LE.u16(dir, p + 30), let commentLen = LE.u16(dir, p + 32), var local = LE.u32(dir, p + 42),
                  p + 46 + nameLen + extraLen + commentLen <= dir.count else { throw bad("bad or truncated entry") }
            guard flags & 1 == 0 else { throw ImportError.unsupported(file: path, detail: "encrypted zip members") }
            let name = String(decoding: dir[(p + 46)..<(p + 46 + nameLen)], as: UTF8.self)
            // ZIP64 extra field: 64-bit values for exactly the fields saturated at 0xFFFFFFFF, in this order.
            var e = p + 46 + nameLen
            let extraEnd = e + extraLen
            while e + 4 <= extraEnd, let id = LE.u16(dir, e), let len = LE.u16(dir, e + 2) {
                if id == 1 {
                    var q = e + 4
                    for field in [0, 1, 2] {
                        let saturated = field == 0 ? size == 0xFFFF_FFFF : field == 1 ? comp == 0xFFFF_FFFF : local == 0xFFFF_FFFF
                        guard saturated else { continue }
                        guard q + 8 <= e + 4 + len, let v = LE.u64(dir, q) else { throw bad("truncated ZIP64 field for '\(name)'") }
                        if field == 0 { size = v } else if field == 1 { comp = v } else { local = v }
                        q += 8
                    }
                }
                e += 4 + len
            }
            out.append(try locate(r, name: name, method: method, comp: comp, size: size, crc: UInt32(crc), local: local))
            p += 46 + nameLen + extraLen + commentLen
        }
        return out
    }

    /// Reads the member's local header to find where its data starts, and bounds it by the file.
    static func locate(_ r: FileReader, name: String, method: Int, comp: Int, size: Int, crc: UInt32, local: Int) throws -> Member {
        let h = try r.read(at: local, count: 30, what: "zip local header of '\(name)'")
        guard LE.u32(h, 0) == 0x0403_4B50, let n = LE.u16(h, 26), let x = LE.u16(h, 28) else {
            throw ImportError.malformed(file: r.path, detail: "bad local header for member '\(name)'", offset: local)
        }
        guard let data = Checked.add(local, 30 + n + x), let end = Checked.add(data, comp), end <= r.size else {
            throw ImportError.malformed(file: r.path, detail: "member '\(name)' (\(comp) bytes) runs past the end of the file", offset: local)
        }
        guard method == 0 || method == 8 else {
            throw ImportError.unsupported(file: r.path, detail: "member '\(name)' uses zip compression method \(method) (only stored and deflate)")
        }
        guard method == 8 || comp == size else {
            throw ImportError.malformed(file: r.path, detail: "stored member '\(name)' has compressed size \(comp) != size \(size)", offset: local)
        }
        return Member(name: name, method: method, compressedSize: comp, size: size, crc32: crc, dataOffset: data)
    }

    /// Finds the end-of-central-directory record (and ZIP64 record if present).
    static func endOfDirectory(_ r: FileReader) throws -> (count: Int, offset: Int, size: Int) {
        let tailLen = min(r.size, 22 + 65535)
        let tail = try r.read(at: r.size - tailLen, count: tailLen, what: "zip end of central directory")
        var eocd: Int? = nil
        var i = tailLen - 22
        while i >= 0 { if LE.u32(tail, i) == 0x0605_4B50 { eocd = i; break }; i -= 1 }
        guard let at = eocd, let count = LE.u16(tail, at + 10), let size = LE.u32(tail, at + 12), let offset = LE.u32(tail, at + 16) else {
            throw ImportError.malformed(file: r.path, detail: "no zip end-of-central-directory record (not an .npz, or truncated)")
        }
        if count == 0xFFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF {
            // ZIP64 locator sits just before the EOCD and points at the ZIP64 EOCD record.
            guard at >= 20, LE.u32(tail, at - 20) == 0x0706_4B50, let recAt = LE.u64(tail, at - 12) else {
                throw ImportError.malformed(file: r.path, detail: "missing ZIP64 end-of-directory locator", offset: r.size - tailLen + at)
            }
            let rec = try r.read(at: recAt, count: 56, what: "ZIP64 end of central directory")
            guard LE.u32(rec, 0) == 0x0606_4B50, let c = LE.u64(rec, 32), let s = LE.u64(rec, 40), let o = LE.u64(rec, 48) else {
                throw ImportError.malformed(file: r.path, detail: "bad ZIP64 end-of-directory record", offset: recAt)
            }
            return (c, o, s)
        }
        return (count, offset, size)
    }
}
