import ClipzCore
import Foundation

/// Element types found in dumps. f64 is accepted and narrowed to f32 on load (Clipz has no f64).
enum SourceDType: String, Sendable {
    case f32, f16, bf16, f64, i64, i32, u8, i8

    var size: Int {
        switch self {
        case .f64, .i64: return 8
        case .f32, .i32: return 4
        case .f16, .bf16: return 2
        case .u8, .i8: return 1
        }
    }

    /// The dtype the tensor has once loaded.
    var loaded: DType {
        switch self {
        case .f32, .f64: return .f32
        case .f16: return .f16
        case .bf16: return .bf16
        case .i64: return .i64
        case .i32: return .i32
        case .u8: return .u8
        case .i8: return .i8
        }
    }
}

/// Caps shared by every dump reader.
enum DumpLimits {
    static let maxRank = 8
    static let maxTensors = 100_000
    static let maxNameBytes = 1024
}

/// Where a tensor's bytes live inside a file.
enum Storage: Sendable {
    /// Raw little-endian bytes at `offset`.
    case plain(offset: Int)
    /// A raw-deflate stream of `compressedSize` bytes at `offset`; after inflating, skip `skip`
    /// bytes (the .npy header) to reach the tensor data. `crc32` is the zip member's.
    case deflated(offset: Int, compressedSize: Int, skip: Int, crc32: UInt32)
}

/// One tensor found in a source file, described but not loaded.
struct StoredTensor: Sendable {
    var name: String
    var dtype: SourceDType
    var shape: [Int]
    var file: String
    var storage: Storage
    /// dtype.size × element count, checked when the entry was created.
    var byteCount: Int

    /// Validates rank, dimensions and byte count before anything is allocated.
    init(name: String, dtype: SourceDType, shape: [Int], file: String, storage: Storage) throws {
        guard shape.count <= DumpLimits.maxRank else {
            throw ImportError.limitExceeded(file: file, what: "rank of tensor '\(name)'", value: shape.count, limit: DumpLimits.maxRank)
        }
        guard let n = Checked.elementCount(shape), let b = Checked.mul(n, dtype.size) else {
            throw ImportError.malformed(file: file, detail: "tensor '\(name)': invalid shape \(shape)")
        }
        self.name = name; self.dtype = dtype; self.shape = shape; self.file = file; self.storage = storage; self.byteCount = b
    }

    /// Reads the raw bytes of `range` (in source bytes; whole tensor when nil).
    func readBytes(_ range: Range<Int>? = nil) throws -> [UInt8] {
        let r = range ?? 0..<byteCount
        guard r.lowerBound >= 0, r.upperBound <= byteCount else {
            throw ImportError.malformed(file: file, detail: "tensor '\(name)': slice \(r) outside \(byteCount) bytes")
        }
        switch storage {
        case let .plain(offset):
            guard let start = Checked.add(offset, r.lowerBound) else {
                throw ImportError.malformed(file: file, detail: "tensor '\(name)': offset overflow", offset: offset)
            }
            return try FileReader(path: file).read(at: start, count: r.count, what: "tensor '\(name)'")
        case let .deflated(offset, compressedSize, skip, crc):
            guard let total = Checked.add(skip, byteCount) else {
                throw ImportError.malformed(file: file, detail: "tensor '\(name)': size overflow", offset: offset)
            }
            let out = try Zlib.inflate(try FileReader(path: file), offset: offset, compressedSize: compressedSize, size: total,
                                       what: "member '\(name).npy'")
            try Zlib.check(crc: out.withUnsafeBytes { Zlib.crc32($0) }, expected: crc, member: name + ".npy", file: file, offset: offset)
            return Array(out[(skip + r.lowerBound)..<(skip + r.upperBound)])
        }
    }

    /// Converts source bytes to the loaded dtype (f64 narrows to f32; others are kept as they are).
    func convert(_ bytes: [UInt8]) -> [UInt8] {
        guard dtype == .f64 else { return bytes }
        let n = bytes.count / 8
        var out = [Float](repeating: 0, count: n)
        bytes.withUnsafeBytes { raw in
            for i in 0..<n { out[i] = Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))) }
        }
        return out.withUnsafeBytes { Array($0) }
    }
}
