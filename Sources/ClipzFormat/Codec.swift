import CClipzKernels
import CZstd
import ClipzCore

/// Payload encoding (zstd with frame checksums, byte planes); decoding is `ClipzFile.decoded`.
enum Codec {
    static let level: Int32 = 3

    /// Encodes `bytes` of element width `width`; returns the encoding actually used and the payload.
    /// Falls back to `raw` when compression saves less than 1%.
    static func encode(_ bytes: [UInt8], width: Int, tensor: String) throws -> (Encoding, [UInt8]) {
        if bytes.isEmpty { return (.raw, []) }
        let planes = width >= 2
        var input = bytes
        if planes {
            input = [UInt8](repeating: 0, count: bytes.count)
            clipz_bytes_to_planes(bytes, &input, bytes.count / width, width)
        }
        let compressed = try compress(input, tensor: tensor)
        if compressed.count * 100 >= bytes.count * 99 { return (.raw, bytes) }
        return (planes ? .zstdBytePlanes : .zstd, compressed)
    }

    static func compress(_ input: [UInt8], tensor: String) throws -> [UInt8] {
        guard let cctx = ZSTD_createCCtx() else { throw FormatError.compression(tensor: tensor, detail: "zstd context allocation failed") }
        defer { ZSTD_freeCCtx(cctx) }
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level)
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1)
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1)
        let bound = ZSTD_compressBound(input.count)
        var out = [UInt8](repeating: 0, count: bound)
        let n = out.withUnsafeMutableBytes { o in input.withUnsafeBytes { i in
            ZSTD_compress2(cctx, o.baseAddress, bound, i.baseAddress, i.count) } }
        if ZSTD_isError(n) != 0 { throw FormatError.compression(tensor: tensor, detail: String(cString: ZSTD_getErrorName(n))) }
        out.removeSubrange(n...)
        return out
    }
}
