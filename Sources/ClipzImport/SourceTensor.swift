import ClipzCore

/// Element types found in source checkpoints. f64 is accepted and narrowed to f32 on load (Clipz has no f64).
enum SourceDType: String, Sendable {
    case f32, f16, bf16, f64, i64, i32, u8, i8

    /// Bytes per element as stored: the loaded dtype's, but 8 for f64 (narrowed on load).
    var size: Int { self == .f64 ? 8 : loaded.size }

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

/// One tensor of a source checkpoint (ONNX, safetensors, npz/npy, raw dump), described but not
/// loaded: dtype, shape and where its bytes are. Every importer describes its tensors with this
/// type; `SourceTensor+Layout.swift` turns one into a lazily loaded canonical tensor, so a model
/// is streamed one tensor at a time (peak memory: the largest tensor, not the model).
struct SourceTensor: Sendable {
    /// Where the little-endian bytes are.
    enum Storage: Sendable {
        /// At `offset` of a file, read with pread when needed (a slice reads only the slice).
        case file(path: String, offset: Int)
        /// A raw-DEFLATE zip member of `compressedSize` bytes at `offset`; after inflating, `skip`
        /// bytes (the .npy header) come before the tensor. `crc32` is the member's.
        case deflated(path: String, offset: Int, compressedSize: Int, skip: Int, crc32: UInt32)
        /// Bytes produced on demand by the importer (ONNX tensors held in protobuf fields), checked
        /// against dtype × shape when read.
        case produced(@Sendable () throws -> [UInt8])
    }

    static let maxRank = 8

    let name: String
    let dtype: SourceDType
    let shape: [Int]
    /// The file that declares the tensor (for messages).
    let file: String
    /// Set once after validation by importers that learn where the bytes are only then (ONNX raw_data).
    var storage: Storage
    /// dtype.size × element count, checked when the tensor was described.
    let byteCount: Int
    var elementCount: Int { byteCount / dtype.size }

    /// Validates rank, dimensions and byte count before anything is allocated.
    /// - Throws: `ImportError.limitExceeded` above rank 8, `.malformed` for a negative or overflowing shape.
    init(name: String, dtype: SourceDType, shape: [Int], file: String, storage: Storage) throws {
        guard shape.count <= SourceTensor.maxRank else {
            throw ImportError.limitExceeded(file: file, what: "rank of tensor '\(name)'", value: shape.count,
                                            limit: SourceTensor.maxRank)
        }
        guard let n = Checked.elementCount(shape), let b = Checked.mul(n, dtype.size) else {
            throw ImportError.malformed(file: file, detail: "tensor '\(name)': invalid shape \(shape)")
        }
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.file = file
        self.storage = storage
        self.byteCount = b
    }

    /// The source bytes of `range` (whole tensor when nil).
    /// - Throws: `ImportError.malformed` when the range, the file or the produced bytes do not fit.
    func readBytes(_ range: Range<Int>? = nil) throws -> [UInt8] {
        let r = range ?? 0..<byteCount
        guard r.lowerBound >= 0, r.upperBound <= byteCount else {
            throw ImportError.malformed(file: file, detail: "tensor '\(name)': slice \(r) outside \(byteCount) bytes")
        }
        switch storage {
        case let .file(path, offset):
            guard let start = Checked.add(offset, r.lowerBound) else {
                throw ImportError.malformed(file: path, detail: "tensor '\(name)': offset overflow", offset: offset)
            }
            return try FileReader(path: path).read(at: start, count: r.count, what: "tensor '\(name)'")
        case let .deflated(path, offset, compressedSize, skip, crc):
            guard let total = Checked.add(skip, byteCount) else {
                throw ImportError.malformed(file: path, detail: "tensor '\(name)': size overflow", offset: offset)
            }
            let member = name + ".npy"
            let out = try Zlib.inflate(try FileReader(path: path), offset: offset, compressedSize: compressedSize,
                                       size: total, what: "member '\(member)'")
            let got = out.withUnsafeBytes { Zlib.crc32($0) }
            try Zlib.check(crc: got, expected: crc, member: member, file: path, offset: offset)
            return Array(out[(skip + r.lowerBound)..<(skip + r.upperBound)])
        case let .produced(make):
            let bytes = try make()
            guard bytes.count == byteCount else {
                let detail = "tensor '\(name)' has \(bytes.count) bytes, \(dtype.rawValue) \(shape) needs \(byteCount)"
                throw ImportError.malformed(file: file, detail: detail)
            }
            return Array(bytes[r])
        }
    }

    /// Converts source bytes to the loaded dtype (f64 narrows to f32; others are kept as they are).
    func convert(_ bytes: [UInt8]) -> [UInt8] {
        guard dtype == .f64 else { return bytes }
        let n = bytes.count / 8
        var out = [Float](repeating: 0, count: n)
        bytes.withUnsafeBytes { raw in
            for i in 0..<n {
                let bits = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))
                out[i] = Float(Double(bitPattern: bits))
            }
        }
        return out.withUnsafeBytes { Array($0) }
    }
}
