import CClipzKernels
import CZstd
import ClipzCore

/// Payload encoding and decoding (zstd with frame checksums, byte planes).
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

    /// Decodes a payload into exactly `rawBytes` bytes. The zstd frame's declared content size is
    /// checked against `rawBytes` before anything is allocated.
    static func decode(_ payload: [UInt8], encoding: Encoding, rawBytes: Int, width: Int, tensor: String, path: String, offset: Int) throws -> [UInt8] {
        switch encoding {
        case .raw:
            guard payload.count == rawBytes else { throw FormatError.corrupt(path: path, detail: "tensor '\(tensor)': raw payload is \(payload.count) bytes, expected \(rawBytes)", offset: offset) }
            return payload
        case .zstd, .zstdBytePlanes:
            let declared = payload.withUnsafeBytes { ZSTD_getFrameContentSize($0.baseAddress, $0.count) }
            guard declared == UInt64(rawBytes) else {
                throw FormatError.corrupt(path: path, detail: "tensor '\(tensor)': zstd frame declares \(Int64(bitPattern: declared)) bytes, table says \(rawBytes)", offset: offset)
            }
            var out = [UInt8](repeating: 0, count: rawBytes)
            let n = out.withUnsafeMutableBytes { o in payload.withUnsafeBytes { i in
                ZSTD_decompress(o.baseAddress, rawBytes, i.baseAddress, i.count) } }
            if ZSTD_isError(n) != 0 {
                throw FormatError.corrupt(path: path, detail: "tensor '\(tensor)': zstd: \(String(cString: ZSTD_getErrorName(n)))", offset: offset)
            }
            guard n == rawBytes else { throw FormatError.corrupt(path: path, detail: "tensor '\(tensor)': decompressed \(n) bytes, expected \(rawBytes)", offset: offset) }
            if encoding == .zstdBytePlanes && width >= 2 {
                var restored = [UInt8](repeating: 0, count: rawBytes)
                clipz_planes_to_bytes(out, &restored, rawBytes / width, width)
                return restored
            }
            return out
        }
    }
}
