import CClipzKernels
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
    /// - Throws: `FormatError.io` when `n` bytes cannot be allocated (callers bound `n` first).
    func ensure(_ n: Int, path: String) throws -> UnsafeMutableRawPointer {
        if let p = pointer, n <= capacity { return p }
        free(pointer)
        pointer = malloc(max(n, 64))
        guard let p = pointer else {
            capacity = 0
            throw FormatError.io(path: path, message: "cannot allocate \(n) bytes of scratch memory")
        }
        capacity = max(n, 64)
        return p
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
    /// `convert(raw, out)` turns into the elements. One fresh allocation per tensor, made only after the
    /// zstd frame header was read and agreed with `raw_bytes` (itself bounded by `stored_bytes` × the
    /// stated ratio at open); compressed bytes stream through a small buffer.
    func decoded<T>(_ e: TensorEntry, _ encoding: Encoding, width: Int, count: Int, as _: T.Type, direct: Bool = true,
                    convert: ((UnsafeMutableRawPointer, UnsafeMutableRawPointer) -> Void)? = nil) throws -> [T] {
        scratchLock.lock(); defer { scratchLock.unlock() }
        if encoding != .raw { try checkFrameHeader(e) }
        // Swift arrays trap when memory runs out (e.g. under `ulimit -v`): ask malloc first, so that
        // a size the checks allowed but this process cannot hold is an error, not a crash.
        let resultBytes = Checked.mul(max(count, 1), MemoryLayout<T>.stride) ?? Int.max
        guard let probe = malloc(resultBytes) else {
            throw FormatError.io(path: path, message: "tensor '\(e.name)': cannot allocate \(resultBytes) bytes")
        }
        free(probe)
        // Capacity ≥ 1 so that empty tensors still have a buffer address.
        var result = [T](unsafeUninitializedCapacity: max(count, 1)) { _, c in c = max(count, 1) }
        let crc: UInt32 = try result.withUnsafeMutableBytes { out in
            let bytes: UnsafeMutableRawPointer = direct ? out.baseAddress! : try scratch.bytes.ensure(e.rawBytes, path: path)
            try decode(e, encoding, width: width, into: bytes)
            let c = clipz_crc32c(0, bytes, e.rawBytes)
            if !direct { convert?(bytes, out.baseAddress!) }
            return c
        }
        guard crc == e.crc32c else { throw FormatError.checksum(path: path, what: "tensor '\(e.name)'", offset: e.offset) }
        if count == 0 { result = [] }
        return result
    }

    /// The frame must declare its content size, equal to `raw_bytes`, before anything is allocated for it.
    private func checkFrameHeader(_ e: TensorEntry) throws {
        var head = [UInt8](repeating: 0, count: min(e.storedBytes, Zstd.frameHeaderMax))
        try head.withUnsafeMutableBytes { if $0.count > 0 { try readInto($0.baseAddress!, offset: e.offset, count: $0.count) } }
        let declared: Int
        do { declared = try head.withUnsafeBytes { try Zstd.declaredSize($0) } } catch {
            throw FormatError.corrupt(path: path, detail: "tensor '\(e.name)': \(error)", offset: e.offset)
        }
        guard declared == e.rawBytes else {
            throw FormatError.corrupt(path: path, detail: "tensor '\(e.name)': zstd frame declares \(declared) bytes, table says \(e.rawBytes)",
                                      offset: e.offset)
        }
    }

    private func decode(_ e: TensorEntry, _ encoding: Encoding, width: Int, into dst: UnsafeMutableRawPointer) throws {
        switch encoding {
        case .raw:
            guard e.storedBytes == e.rawBytes else {
                throw FormatError.corrupt(path: path, detail: "tensor '\(e.name)': raw payload is \(e.storedBytes) bytes, expected \(e.rawBytes)", offset: e.offset)
            }
            try readInto(dst, offset: e.offset, count: e.rawBytes)
        case .zstd, .zstdBytePlanes:
            let planes = encoding == .zstdBytePlanes && width >= 2
            let target = planes ? try scratch.planes.ensure(e.rawBytes, path: path) : dst
            do {
                try Zstd.decode(stored: e.storedBytes, into: UnsafeMutableRawBufferPointer(start: target, count: e.rawBytes)) { buf, at in
                    try readInto(buf.baseAddress!, offset: e.offset + at, count: buf.count)
                }
            } catch let error as CoreError {
                throw FormatError.corrupt(path: path, detail: "tensor '\(e.name)': \(error)", offset: e.offset)
            }
            if planes {
                clipz_planes_to_bytes(target.assumingMemoryBound(to: UInt8.self), dst.assumingMemoryBound(to: UInt8.self), e.rawBytes / width, width)
            }
        }
    }
}

/// Scratch buffers of one open file (guarded by `scratchLock`).
final class FileScratch {
    let planes = ScratchBuffer(), bytes = ScratchBuffer()
}
