import CZlib
import ClipzCore

/// The one Swift file over zlib (`CZlib`): raw DEFLATE for compressed `.npz` members
/// (`np.savez_compressed`) and zip's CRC-32.
///
/// Inflation is bounded: the output buffer is the size the archive declares, allocated once and
/// never grown; a stream that would produce one byte more, or ends before filling it, or leaves
/// compressed bytes unused, is refused. Input is read from the file in pieces of at most 1 MiB.
enum Zlib {
    /// DEFLATE cannot expand data by more than about 1032:1; a larger declared size is corrupt.
    static let maxRatio = 1032
    static let inputPiece = 1 << 20

    /// zip's CRC-32 (IEEE 802.3) of `bytes`, continuing `crc`.
    static func crc32(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        var c = UInt(crc)
        var done = 0
        while done < bytes.count {
            let n = min(bytes.count - done, 1 << 30)
            c = CZlib.crc32(c, (bytes.baseAddress! + done).assumingMemoryBound(to: Bytef.self), uInt(n))
            done += n
        }
        return UInt32(truncatingIfNeeded: c)
    }

    /// CRC-32 of `count` bytes at `offset`, read in 1 MiB pieces.
    static func crc32(_ reader: FileReader, offset: Int, count: Int, what: String) throws -> UInt32 {
        var piece = [UInt8](repeating: 0, count: min(count, inputPiece))
        var crc: UInt32 = 0
        var done = 0
        while done < count {
            let n = min(piece.count, count - done)
            try piece.withUnsafeMutableBytes { buf in
                let part = UnsafeMutableRawBufferPointer(rebasing: buf[0..<n])
                try reader.read(into: part, at: offset + done, what: what)
                crc = crc32(UnsafeRawBufferPointer(part), continuing: crc)
            }
            done += n
        }
        return crc
    }

    /// Refuses a zip member whose bytes do not match the CRC-32 its archive declares.
    static func check(crc got: UInt32, expected: UInt32, member: String, file: String, offset: Int) throws {
        guard got != expected else { return }
        let hex = { (v: UInt32) in "0x" + String(v, radix: 16) }
        let detail = "member '\(member)': CRC-32 is \(hex(got)), the archive says \(hex(expected)); "
            + "the file is damaged — re-download or re-export it"
        throw ImportError.malformed(file: file, detail: detail, offset: offset)
    }

    /// Inflates the raw-DEFLATE stream of `compressedSize` bytes at `offset` into exactly `size` bytes.
    /// - Throws: `ImportError.malformed` naming `what` when the declared size is impossible, the stream
    ///   is corrupt, would produce more or fewer than `size` bytes, or ends before its compressed size.
    static func inflate(_ reader: FileReader, offset: Int, compressedSize: Int, size: Int,
                        what: String) throws -> [UInt8] {
        func fail(_ m: String) -> ImportError {
            .malformed(file: reader.path, detail: "\(what): deflate stream: \(m)", offset: offset)
        }
        guard let bound = Checked.add(Checked.mul(compressedSize, maxRatio) ?? Int.max, 1024), size <= bound else {
            throw fail("declared size \(size) is impossible for \(compressedSize) compressed bytes")
        }
        var out = [UInt8](repeating: 0, count: size)
        var produced = 0
        let (ended, unused) = try out.withUnsafeMutableBytes { o in
            try run(reader, offset: offset, compressedSize: compressedSize, into: o, produced: &produced, what: what,
                    fail: fail)
        }
        guard ended, produced == size else { throw fail("ends after \(produced) bytes; the archive declares \(size)") }
        guard unused == 0 else { throw fail("ends with \(unused) of its \(compressedSize) compressed bytes unused") }
        return out
    }

    /// At most the first `count` bytes of the stream (to peek at an `.npy` header without inflating
    /// the member; input is read in 64 KiB pieces, usually one). A stream that fails after some
    /// output gives what came out; the caller parses it.
    static func prefix(_ reader: FileReader, offset: Int, compressedSize: Int, count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var produced = 0
        _ = try? out.withUnsafeMutableBytes { o in
            try run(reader, offset: offset, compressedSize: compressedSize, into: o, produced: &produced, what: "",
                    stopWhenFull: true, piece: 1 << 16,
                    fail: { _ in ImportError.malformed(file: reader.path, detail: "") })
        }
        return Array(out[0..<produced])
    }

    /// The inflate loop: fills `out`, then offers one spare byte to learn whether the stream goes on.
    /// Returns whether the stream ended and how many compressed bytes were left unused.
    private static func run(_ reader: FileReader, offset: Int, compressedSize: Int,
                            into out: UnsafeMutableRawBufferPointer,
                            produced: inout Int, what: String, stopWhenFull: Bool = false,
                            piece: Int = inputPiece,
                            fail: (String) -> ImportError) throws -> (ended: Bool, unused: Int) {
        let stream = Stream()
        guard stream.ready else { throw fail("zlib could not start") }
        let z = stream.z
        var input = [UInt8](repeating: 0, count: max(1, min(compressedSize, piece)))
        var spare: [UInt8] = [0]
        var consumed = 0
        return try input.withUnsafeMutableBytes { inBuf in
            try spare.withUnsafeMutableBytes { spareBuf in
                while true {
                    if z.pointee.avail_in == 0 && consumed < compressedSize {
                        let n = min(inBuf.count, compressedSize - consumed)
                        let chunk = UnsafeMutableRawBufferPointer(rebasing: inBuf[0..<n])
                        try reader.read(into: chunk, at: offset + consumed, what: what)
                        consumed += n
                        z.pointee.next_in = inBuf.baseAddress!.assumingMemoryBound(to: Bytef.self)
                        z.pointee.avail_in = uInt(n)
                    }
                    let room = out.count - produced
                    if room == 0 && stopWhenFull { return (false, 0) }
                    let window = produced..<(produced + min(room, 1 << 30))
                    let target = room > 0 ? UnsafeMutableRawBufferPointer(rebasing: out[window]) : spareBuf
                    z.pointee.next_out = target.baseAddress!.assumingMemoryBound(to: Bytef.self)
                    z.pointee.avail_out = uInt(target.count)
                    let status = CZlib.inflate(z, Z_NO_FLUSH)
                    let made = target.count - Int(z.pointee.avail_out)
                    if room == 0 && made > 0 { throw fail("inflates to more than the declared \(out.count) bytes") }
                    produced += made
                    switch status {
                    case Z_STREAM_END: return (true, compressedSize - consumed + Int(z.pointee.avail_in))
                    case Z_OK: continue
                    case Z_BUF_ERROR: throw fail("truncated after \(produced) bytes")
                    default:
                        let message = z.pointee.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                        throw fail("corrupt after \(produced) bytes: \(message)")
                    }
                }
            }
        }
    }

    /// A zlib inflate state, freed in `deinit`. The z_stream lives on the heap because zlib keeps a
    /// pointer back to it and refuses a stream that has moved.
    private final class Stream {
        let z = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        let ready: Bool

        init() {
            z.initialize(to: z_stream())
            ready = inflateInit2_(z, -MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK
        }

        deinit {
            if ready { inflateEnd(z) }
            z.deinitialize(count: 1)
            z.deallocate()
        }
    }
}
