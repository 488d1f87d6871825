import CClipzKernels
import CZstd
import ClipzCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A growable malloc'd buffer reused across tensor loads, so that loading a model touches fresh
/// memory only for the final float arrays (page faults on fresh memory dominated load time).
final class ScratchBuffer {
    private(set) var pointer: UnsafeMutableRawPointer?
    private(set) var capacity = 0
    func ensure(_ n: Int) -> UnsafeMutableRawPointer {
        if n > capacity || pointer == nil {
            free(pointer)
            pointer = malloc(max(n, 64))
            capacity = max(n, 64)
        }
        return pointer!
    }
    deinit { free(pointer) }
}

extension ClipzFile {
    /// Loads a float tensor (f32, f16 or bf16) straight into a new `[Float]`, with the same checks
    /// as `tensor(_:)` (frame size, CRC-32C) but one fresh allocation instead of four.
    /// - Throws: `FormatError`; `.unsupportedTensor` for non-float dtypes.
    public func floats(_ name: String) throws -> [Float] {
        guard let e = entry(named: name) else { throw FormatError.noSuchTensor(path: path, tensor: name) }
        guard let dtype = e.knownDType, dtype.isFloat else {
            throw FormatError.unsupportedTensor(path: path, tensor: name, detail: "dtype '\(e.dtype)' is not a float type")
        }
        guard let encoding = Encoding(rawValue: e.encoding) else { throw FormatError.unsupportedTensor(path: path, tensor: name, detail: "unknown encoding '\(e.encoding)'") }
        let n = e.rawBytes / dtype.size
        scratchLock.lock(); defer { scratchLock.unlock() }
        let payload = scratch.payload.ensure(e.storedBytes)
        try readInto(payload, offset: e.offset, count: e.storedBytes)
        // Decode into `bytes` (the final array for f32, a scratch buffer for 16-bit types).
        var result = [Float](unsafeUninitializedCapacity: n) { buf, count in count = n }
        let crc: UInt32 = try result.withUnsafeMutableBytes { out in
            let bytes: UnsafeMutableRawPointer = dtype == .f32 ? out.baseAddress! : scratch.bytes.ensure(e.rawBytes)
            try decode(payload, e, encoding, width: dtype.size, into: bytes)
            let c = clipz_crc32c(0, bytes, e.rawBytes)
            if dtype == .f16 { clipz_f16_to_f32(bytes.assumingMemoryBound(to: UInt16.self), out.baseAddress!.assumingMemoryBound(to: Float.self), n) }
            if dtype == .bf16 { clipz_bf16_to_f32(bytes.assumingMemoryBound(to: UInt16.self), out.baseAddress!.assumingMemoryBound(to: Float.self), n) }
            return c
        }
        guard crc == e.crc32c else { throw FormatError.checksum(path: path, what: "tensor '\(name)'", offset: e.offset) }
        if n == 0 { result = [] }
        return result
    }

    private func decode(_ payload: UnsafeMutableRawPointer, _ e: TensorEntry, _ encoding: Encoding, width: Int, into dst: UnsafeMutableRawPointer) throws {
        switch encoding {
        case .raw:
            guard e.storedBytes == e.rawBytes else { throw FormatError.corrupt(path: path, detail: "tensor '\(e.name)': raw payload size", offset: e.offset) }
            dst.copyMemory(from: payload, byteCount: e.rawBytes)
        case .zstd, .zstdBytePlanes:
            let declared = ZSTD_getFrameContentSize(payload, e.storedBytes)
            guard declared == UInt64(e.rawBytes) else {
                throw FormatError.corrupt(path: path, detail: "tensor '\(e.name)': zstd frame declares \(Int64(bitPattern: declared)) bytes, table says \(e.rawBytes)", offset: e.offset)
            }
            let planes = encoding == .zstdBytePlanes && width >= 2
            let target = planes ? scratch.planes.ensure(e.rawBytes) : dst
            let got = ZSTD_decompress(target, e.rawBytes, payload, e.storedBytes)
            if ZSTD_isError(got) != 0 {
                throw FormatError.corrupt(path: path, detail: "tensor '\(e.name)': zstd: \(String(cString: ZSTD_getErrorName(got)))", offset: e.offset)
            }
            guard got == e.rawBytes else { throw FormatError.corrupt(path: path, detail: "tensor '\(e.name)': short zstd frame", offset: e.offset) }
            if planes {
                clipz_planes_to_bytes(target.assumingMemoryBound(to: UInt8.self), dst.assumingMemoryBound(to: UInt8.self), e.rawBytes / width, width)
            }
        }
    }
}

/// Scratch buffers of one open file (guarded by `scratchLock`).
final class FileScratch {
    let payload = ScratchBuffer(), planes = ScratchBuffer(), bytes = ScratchBuffer()
}
