import CClipzKernels
import ClipzCore

/// Payload encoding (zstd with frame checksums, byte planes); decoding is `ClipzFile.decoded`.
enum Codec {
    static let level: Int32 = 3

    /// Encodes `bytes` of element width `width`; returns the encoding actually used and the payload.
    /// Falls back to `raw` when compression saves less than 1% or beats `Zstd.maxRatio`.
    static func encode(_ bytes: [UInt8], width: Int, tensor: String) throws -> (Encoding, [UInt8]) {
        if bytes.isEmpty { return (.raw, []) }
        let planes = width >= 2
        var input = bytes
        if planes {
            input = [UInt8](repeating: 0, count: bytes.count)
            clipz_bytes_to_planes(bytes, &input, bytes.count / width, width)
        }
        let compressed: [UInt8]
        do { compressed = try input.withUnsafeBytes { try Zstd.compress($0, level: level) } } catch {
            throw FormatError.compression(tensor: tensor, detail: "\(error)")
        }
        // Raw when compression saves < 1%, or when the frame would expand more than readers accept.
        if compressed.count * 100 >= bytes.count * 99 || bytes.count > Zstd.maxDecodedBytes(stored: compressed.count) {
            return (.raw, bytes)
        }
        return (planes ? .zstdBytePlanes : .zstd, compressed)
    }
}
