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
        // f32 decodes straight into the result; 16-bit types decode into scratch and widen from there.
        return try decoded(e, encoding, width: dtype.size, count: n, as: Float.self, direct: dtype == .f32) { bytes, out in
            if dtype == .f16 { clipz_f16_to_f32(bytes.assumingMemoryBound(to: UInt16.self), out.assumingMemoryBound(to: Float.self), n) }
            if dtype == .bf16 { clipz_bf16_to_f32(bytes.assumingMemoryBound(to: UInt16.self), out.assumingMemoryBound(to: Float.self), n) }
        }
    }

    /// Reads and decodes one payload (with the frame-size and CRC-32C checks) into a new array of `count`
    /// elements: directly when `direct` (the raw bytes are the elements), else into a scratch buffer that
    /// `convert(raw, out)` turns into the elements. One fresh allocation per tensor; the payload and byte
    /// planes go through scratch buffers reused across loads.
    func decoded<T>(_ e: TensorEntry, _ encoding: Encoding, width: Int, count: Int, as _: T.Type, direct: Bool = true,
                    convert: ((UnsafeMutableRawPointer, UnsafeMutableRawPointer) -> Void)? = nil) throws -> [T] {
        scratchLock.lock(); defer { scratchLock.unlock() }
        let payload = scratch.payload.ensure(e.storedBytes)
        try readInto(payload, offset: e.offset, count: e.storedBytes)
        // Capacity ≥ 1 so that empty tensors still have a buffer address.
        var result = [T](unsafeUninitializedCapacity: max(count, 1)) { _, c in c = max(count, 1) }
        let crc: UInt32 = try result.withUnsafeMutableBytes { out in
            let bytes: UnsafeMutableRawPointer = direct ? out.baseAddress! : scratch.bytes.ensure(e.rawBytes)
            try decode(payload, e, encoding, width: width, into: bytes)
            let c = clipz_crc32c(0, bytes, e.rawBytes)
            if !direct { convert?(bytes, out.baseAddress!) }
            return c
        }
        guard crc == e.crc32c else { throw FormatError.checksum(path: path, what: "tensor '\(e.name)'", offset: e.offset) }
        if count == 0 { result = [] }
        return result
    }

    private func decode(_ payload: UnsafeMutableRawPointer, _ e: TensorEntry, _ encoding: Encoding, width: Int, into dst: UnsafeMutableRawPointer) throws {
        switch encoding {
        case .raw:
            guard e.storedBytes == e.rawBytes else {
                throw FormatError.corrupt(path: path, detail: "tensor '\(e.name)': raw payload is \(e.storedBytes) bytes, expected \(e.rawBytes)", offset: e.offset)
            }
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
            guard got == e.rawBytes else { throw FormatError.corrupt(path: path, detail: "tensor '\(e.name)': decompressed \(got) bytes, expected \(e.rawBytes)", offset: e.offset) }
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
