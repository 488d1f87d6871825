import CClipzKernels
import ClipzCore

/// Payload encoding (zstd with frame checksums, byte planes); decoding is `ClipzFile.decoded`.
/// One encoder serves a whole file: its plane and output buffers are reused from tensor to tensor,
/// so a model touches fresh memory once for its largest tensor instead of twice for every tensor.
final class Codec {
    /// Integer and byte tensors (int8 weights, the BPE merges text): zstd level 3.
    static let plain = Zstd.Parameters(level: 3)
    /// Byte planes of floats: level 1 with a 64-entry hash table and 7-byte minimum matches. The
    /// mantissa planes are noise and the sign/exponent plane is a few symbols with short repeats, so
    /// Huffman-coded literals do almost all the work: on N(0, 0.02²) f32 weights this stores 0.835 of the
    /// raw bytes at ~1.8 GB/s where level 3 stores 0.856 at ~0.5 GB/s (Formats/clipz.md, "Writing").
    static let planes = Zstd.Parameters(level: 1, hashLog: 6, minMatch: 7)

    private let planeBuffer = ScratchBuffer(), frameBuffer = ScratchBuffer()
    /// The output path, for allocation errors.
    let path: String
    init(path: String) { self.path = path }

    /// Encodes `bytes` of element width `width`; returns the encoding actually used and the payload,
    /// which is `bytes` itself for `raw` or lies in this encoder's buffer until the next call.
    /// Falls back to `raw` when compression saves less than 1% or beats `Zstd.maxRatio`.
    func encode(_ bytes: UnsafeRawBufferPointer, width: Int, tensor: String) throws -> (Encoding, UnsafeRawBufferPointer) {
        if bytes.isEmpty { return (.raw, bytes) }
        let planes = width >= 2
        var input = bytes
        if planes {
            let p = try planeBuffer.ensure(bytes.count, path: path)
            clipz_bytes_to_planes(bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), p.assumingMemoryBound(to: UInt8.self),
                                  bytes.count / width, width)
            input = UnsafeRawBufferPointer(start: p, count: bytes.count)
        }
        let bound = Zstd.compressBound(bytes.count)
        let frame = UnsafeMutableRawBufferPointer(start: try frameBuffer.ensure(bound, path: path), count: bound)
        let n: Int
        do { n = try Zstd.compress(input, planes ? Codec.planes : Codec.plain, into: frame) } catch {
            throw FormatError.compression(tensor: tensor, detail: "\(error)")
        }
        // Raw when compression saves < 1%, or when the frame would expand more than readers accept.
        if n * 100 >= bytes.count * 99 || bytes.count > Zstd.maxDecodedBytes(stored: n) {
            return (.raw, bytes)
        }
        return (planes ? .zstdBytePlanes : .zstd, UnsafeRawBufferPointer(rebasing: frame[0..<n]))
    }

    /// `encode` for an array, returning a copy of the payload (tests).
    static func encode(_ bytes: [UInt8], width: Int, tensor: String) throws -> (Encoding, [UInt8]) {
        let codec = Codec(path: "(memory)")
        return try bytes.withUnsafeBytes { raw in
            let (e, payload) = try codec.encode(raw, width: width, tensor: tensor)
            return (e, Array(payload))
        }
    }
}
