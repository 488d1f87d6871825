import CZstd

/// The one Swift wrapper around libzstd (CZstd): compression for the `.clipz` writer and one
/// bounded decoder for every reader (tensor payloads, the bundled BPE vocabulary).
///
/// Decoding never trusts a size it has not checked: callers read the frame's declared content
/// size (`declaredSize`) and compare it with what they expect and with `maxDecodedBytes(stored:)`
/// before allocating the output; `decode` then reads the compressed bytes in chunks of at most
/// `inputChunk` bytes and writes into exactly the output buffer it was given, refusing a frame
/// that would produce more or fewer bytes. The decoder's window is capped at 2^`windowLogMax`.
public enum Zstd {
    /// Most decoded bytes per stored byte that Clipz accepts from one frame (the format's stated
    /// ratio, Formats/clipz.md "Caps"); zstd itself could reach ~32768 with RLE blocks.
    public static let maxRatio = 4096
    /// Decoded bytes allowed on top of `stored × maxRatio`, so small constant tensors always pass.
    public static let ratioSlack = 1 << 20
    /// Largest decoder window accepted (2^24 = 16 MiB); Clipz writes at level 3 (window ≤ 2 MiB).
    public static let windowLogMax: Int32 = 24
    /// Compressed bytes read per step while decoding.
    public static let inputChunk = 1 << 20
    /// Largest frame header (ZSTD_FRAMEHEADERSIZE_MAX): enough bytes for `declaredSize`.
    public static let frameHeaderMax = 18

    /// The most bytes a frame of `stored` compressed bytes may decode to under `maxRatio`.
    public static func maxDecodedBytes(stored: Int) -> Int {
        Checked.add(Checked.mul(max(stored, 0), maxRatio) ?? Int.max, ratioSlack) ?? Int.max
    }

    /// Compression settings: a zstd level, optionally with a smaller match-finder hash table
    /// (`hashLog`, log2 of its entries) and a longer minimum match (`minMatch`) than the level's own.
    public struct Parameters: Sendable, Equatable {
        public var level: Int32
        public var hashLog: Int32?
        public var minMatch: Int32?
        public init(level: Int32, hashLog: Int32? = nil, minMatch: Int32? = nil) {
            self.level = level; self.hashLog = hashLog; self.minMatch = minMatch
        }
    }

    /// One frame of `input` at `level`, with the content size and a content checksum in the frame.
    /// - Throws: `CoreError.zstd`.
    public static func compress(_ input: UnsafeRawBufferPointer, level: Int32) throws -> [UInt8] {
        try compress(input, Parameters(level: level))
    }

    /// One frame of `input` with `parameters`, the content size and a content checksum in the frame.
    /// - Throws: `CoreError.zstd`.
    public static func compress(_ input: UnsafeRawBufferPointer, _ parameters: Parameters) throws -> [UInt8] {
        let bound = compressBound(input.count)
        var out = [UInt8](unsafeUninitializedCapacity: bound) { _, n in n = bound }
        let n = try out.withUnsafeMutableBytes { try compress(input, parameters, into: $0) }
        out.removeSubrange(n...)
        return out
    }

    /// The most bytes one frame of `count` input bytes can take (ZSTD_compressBound).
    public static func compressBound(_ count: Int) -> Int { ZSTD_compressBound(count) }

    /// One frame of `input` written into `output` (at least `compressBound(input.count)` bytes);
    /// returns its length.
    /// - Throws: `CoreError.zstd`.
    public static func compress(_ input: UnsafeRawBufferPointer, _ parameters: Parameters,
                                into output: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let cctx = ZSTD_createCCtx() else { throw CoreError.zstd("compression context allocation failed") }
        defer { ZSTD_freeCCtx(cctx) }
        try check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, parameters.level))
        if let h = parameters.hashLog { try check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_hashLog, h)) }
        if let m = parameters.minMatch { try check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_minMatch, m)) }
        try check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1))
        try check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1))
        let n = ZSTD_compress2(cctx, output.baseAddress, output.count, input.baseAddress, input.count)
        try check(n)
        return n
    }

    private static func check(_ code: Int) throws {
        if ZSTD_isError(code) != 0 { throw CoreError.zstd(String(cString: ZSTD_getErrorName(code))) }
    }

    /// The content size declared by the frame header at the start of `prefix` (the first
    /// `frameHeaderMax` bytes of the frame are enough).
    /// - Throws: `CoreError.zstd` when `prefix` does not start a frame or the frame declares no size.
    public static func declaredSize(_ prefix: UnsafeRawBufferPointer) throws -> Int {
        guard let base = prefix.baseAddress, !prefix.isEmpty else { throw CoreError.zstd("empty payload, no frame header") }
        let size = ZSTD_getFrameContentSize(base, prefix.count)
        // ZSTD_CONTENTSIZE_UNKNOWN (max) and ZSTD_CONTENTSIZE_ERROR (max − 1).
        if size == UInt64.max { throw CoreError.zstd("frame does not declare its content size") }
        if size == UInt64.max - 1 { throw CoreError.zstd("not a zstd frame header") }
        guard size <= UInt64(Int.max) else { throw CoreError.zstd("frame declares \(size) bytes") }
        return Int(size)
    }

    /// Decodes one frame of `stored` bytes into exactly `output.count` bytes. `read(buffer, at)`
    /// fills `buffer` with the compressed bytes starting `at` bytes into the frame; it is called
    /// with buffers of at most `inputChunk` bytes, in order.
    /// - Throws: `CoreError.zstd` for a damaged frame, trailing bytes, or a frame that decodes to
    ///   more or fewer bytes than `output.count`; whatever `read` throws.
    public static func decode(stored: Int, into output: UnsafeMutableRawBufferPointer,
                              read: (UnsafeMutableRawBufferPointer, Int) throws -> Void) throws {
        guard stored > 0 else { throw CoreError.zstd("empty payload, no frame") }
        guard let dctx = ZSTD_createDCtx() else { throw CoreError.zstd("decompression context allocation failed") }
        defer { ZSTD_freeDCtx(dctx) }
        ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, windowLogMax)
        let chunk = min(stored, inputChunk)
        let inBuf = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 16)
        defer { inBuf.deallocate() }
        var out = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
        var done = 0
        var remaining = 1 // zstd's hint: 0 once the frame (with its checksum) is complete
        while done < stored {
            let n = min(chunk, stored - done)
            try read(UnsafeMutableRawBufferPointer(start: inBuf, count: n), done)
            done += n
            var inp = ZSTD_inBuffer(src: inBuf, size: n, pos: 0)
            while inp.pos < inp.size {
                guard remaining != 0 else { throw CoreError.zstd("\(stored - done + n - inp.pos) bytes after the end of the frame") }
                let before = (inp.pos, out.pos)
                remaining = try step(dctx, &out, &inp)
                if remaining != 0 && (inp.pos, out.pos) == before {
                    throw CoreError.zstd("frame decodes to more than the expected \(output.count) bytes")
                }
            }
        }
        // Input exhausted: let the decoder flush what it still holds.
        while remaining != 0 {
            var inp = ZSTD_inBuffer(src: inBuf, size: 0, pos: 0)
            let before = out.pos
            remaining = try step(dctx, &out, &inp)
            if remaining != 0 && out.pos == before {
                throw CoreError.zstd(out.pos == out.size ? "frame decodes to more than the expected \(output.count) bytes"
                                                         : "frame is truncated (decoded \(out.pos) of \(output.count) bytes)")
            }
        }
        guard out.pos == output.count else { throw CoreError.zstd("frame decoded to \(out.pos) bytes, expected \(output.count)") }
    }

    private static func step(_ dctx: OpaquePointer, _ out: inout ZSTD_outBuffer, _ inp: inout ZSTD_inBuffer) throws -> Int {
        let r = ZSTD_decompressStream(dctx, &out, &inp)
        if ZSTD_isError(r) != 0 { throw CoreError.zstd(String(cString: ZSTD_getErrorName(r))) }
        return r
    }

    /// Decodes a whole frame held in memory, refusing one that declares more than `limit` bytes
    /// before allocating anything.
    /// - Throws: `CoreError.zstd`, also when the declared size exceeds `limit` or `maxDecodedBytes`.
    public static func decompress(_ frame: UnsafeRawBufferPointer, limit: Int) throws -> [UInt8] {
        let size = try declaredSize(UnsafeRawBufferPointer(rebasing: frame.prefix(frameHeaderMax)))
        guard size <= limit else { throw CoreError.zstd("frame declares \(size) bytes, more than the limit \(limit)") }
        guard size <= maxDecodedBytes(stored: frame.count) else {
            throw CoreError.zstd("frame declares \(size) bytes from \(frame.count) stored, more than \(maxRatio)× expansion")
        }
        var result = [UInt8](repeating: 0, count: size)
        try result.withUnsafeMutableBytes { out in
            try decode(stored: frame.count, into: out) { buf, at in
                buf.copyMemory(from: UnsafeRawBufferPointer(rebasing: frame[at..<(at + buf.count)]))
            }
        }
        return result
    }
}
