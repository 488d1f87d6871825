import COnnxProto
import ClipzCore
import Foundation

/// An initializer or Constant-node tensor as the graph matcher sees it: ONNX type code and shape
/// known up front. Its bytes are described by a `SourceTensor.Storage` (the stripped raw_data range
/// in the model file, an external data file, or protobuf fields read on demand) and loaded through
/// `source()`, the lazy source-tensor type every importer shares.
struct ONNXTensorRef: Sendable {
    let name: String
    /// ONNX TensorProto.DataType code.
    let onnxType: Int32
    let shape: [Int]
    let elementCount: Int
    let storage: SourceTensor.Storage
    /// The ONNX file this tensor is declared in (for error messages).
    let file: String

    /// The Clipz dtype, nil for types Clipz does not read (double, strings, complex...).
    var dtype: DType? { ONNXTensorRef.sourceDType(onnxType)?.loaded }

    static func sourceDType(_ code: Int32) -> SourceDType? {
        switch code {
        case 1: return .f32
        case 10: return .f16
        case 16: return .bf16
        case 7: return .i64
        case 6: return .i32
        case 3: return .i8
        case 2, 9: return .u8
        default: return nil
        }
    }

    func requireDType() throws -> DType { try source().dtype.loaded }

    /// Byte count for dtype × shape (checked when the reference was built).
    var byteCount: Int { elementCount * (dtype?.size ?? 0) }

    /// The tensor as a `SourceTensor`.
    /// - Throws: `ImportError.unsupported` for ONNX data types Clipz does not read.
    func source() throws -> SourceTensor {
        guard let d = ONNXTensorRef.sourceDType(onnxType) else {
            throw ImportError.unsupported(file: file, detail: "tensor '\(name)' has ONNX data type \(onnxType)")
        }
        return try SourceTensor(name: name, dtype: d, shape: shape, file: file, storage: storage)
    }

    /// Reads the tensor's little-endian bytes, validating their length against dtype × shape.
    func loadBytes() throws -> [UInt8] { try source().readBytes() }

    /// Bytes of a tensor held in protobuf fields (raw_data left in place, or typed repeated fields).
    private static func protoBytes(_ t: Onnx__TensorProto, _ dt: DType, name: String, shape: [Int],
                                   file: String) throws -> [UInt8] {
        let n = Checked.elementCount(shape) ?? 0
        let byteCount = n * dt.size
        func bad(_ what: String, _ got: Int) -> ImportError {
            .malformed(file: file, detail: "tensor '\(name)': \(what) holds \(got) values, shape \(shape) needs \(n)")
        }
        if t.has_raw_data != 0 {
            let raw = UnsafeRawBufferPointer(start: t.raw_data.data, count: t.raw_data.data == nil ? 0 : t.raw_data.len)
            guard raw.count == byteCount else { throw bad("raw_data (\(dt.size)-byte elements)", raw.count / max(dt.size, 1)) }
            return [UInt8](raw)
        }
        /// A typed repeated field's values, which must be one per element.
        func values<T>(_ v: UnsafeBufferPointer<T>, _ field: String) throws -> UnsafeBufferPointer<T> {
            guard v.count == n else { throw bad(field, v.count) }
            return v
        }
        switch dt {
        case .f32:
            return [UInt8](UnsafeRawBufferPointer(try values(cArray(t.float_data, t.n_float_data), "float_data")))
        case .i64:
            return [UInt8](UnsafeRawBufferPointer(try values(cArray(t.int64_data, t.n_int64_data), "int64_data")))
        case .f16, .bf16, .i32, .i8, .u8:
            // The spec stores fp16/bf16 bit patterns and narrow integers one per int32_data entry.
            let v = try values(cArray(t.int32_data, t.n_int32_data), "int32_data")
            var out = [UInt8](); out.reserveCapacity(byteCount)
            for x in v {
                let u = UInt32(bitPattern: x)
                switch dt.size {
                case 4: out += [UInt8(u & 0xff), UInt8(u >> 8 & 0xff), UInt8(u >> 16 & 0xff), UInt8(u >> 24)]
                case 2: out += [UInt8(u & 0xff), UInt8(u >> 8 & 0xff)]
                default: out.append(UInt8(u & 0xff))
                }
            }
            return out
        }
    }

    /// Values as Float (float tensors only); used for small constants (eps, scales).
    func floats() throws -> [Float] {
        try Tensor(name: name, dtype: try requireDType(), shape: shape, bytes: try loadBytes()).floats()
    }

    /// Values as Int (integer tensors only); used for small shape constants.
    func ints() throws -> [Int] {
        let d = try requireDType()
        guard !d.isFloat else { throw ImportError.unsupported(file: file, detail: "tensor '\(name)' is \(d.rawValue), expected integers") }
        return try Tensor(name: name, dtype: d, shape: shape, bytes: try loadBytes()).ints()
    }
}

extension ONNXTensorRef {
    /// Builds a reference from a TensorProto, validating shape, dtype size and external-data location.
    /// `raw` is where the tensor's stripped raw_data lies in the model file (initializers only).
    static func make(_ p: UnsafePointer<Onnx__TensorProto>, owner: ONNXProtoModel, fallbackName: String,
                     raw: ONNXRawRange? = nil) throws -> ONNXTensorRef {
        let t = p.pointee
        let file = owner.path
        var name = cString(t.name)
        if name.isEmpty { name = fallbackName }
        guard t.n_dims <= ONNXLimits.maxRank else {
            throw ImportError.limitExceeded(file: file, what: "rank of tensor '\(name)'", value: t.n_dims, limit: ONNXLimits.maxRank)
        }
        let dims = cArray(t.dims, t.n_dims).map { Int($0) }
        guard let count = Checked.elementCount(dims),
              Checked.mul(count, sourceDType(t.data_type)?.size ?? 1) != nil else {
            throw ImportError.malformed(file: file, detail: "tensor '\(name)' has invalid dims \(dims)")
        }
        let size = Checked.mul(count, sourceDType(t.data_type)?.size ?? 0) ?? 0
        var storage = SourceTensor.Storage.produced { [field = ProtoField(p: p, owner: owner), name] in
            guard let dt = sourceDType(field.p.pointee.data_type)?.loaded else { return [] }
            return try withExtendedLifetime(field.owner) {
                try protoBytes(field.p.pointee, dt, name: name, shape: dims, file: file)
            }
        }
        if let raw {
            storage = inFile(file, offset: raw.offset, length: raw.length, needed: size, name: name, what: "raw_data")
        }
        if t.has_data_location != 0 && t.data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL {
            storage = try externalStorage(t, name: name, modelPath: file, needed: size)
        }
        return ONNXTensorRef(name: name, onnxType: t.data_type, shape: dims, elementCount: count, storage: storage, file: file)
    }

    /// Bytes at `offset` of `path`; a length that does not match dtype × shape fails when the tensor is read.
    private static func inFile(_ path: String, offset: Int, length: Int, needed: Int, name: String,
                               what: String) -> SourceTensor.Storage {
        guard length != needed else { return .file(path: path, offset: offset) }
        let detail = "tensor '\(name)': \(what) is \(length) bytes, dtype and shape need \(needed)"
        return .produced { throw ImportError.malformed(file: path, detail: detail, offset: offset) }
    }

    private static func externalStorage(_ t: Onnx__TensorProto, name: String, modelPath: String,
                                        needed: Int) throws -> SourceTensor.Storage {
        var kv: [String: String] = [:]
        for e in cArray(t.external_data, t.n_external_data) {
            guard let e else { continue }
            kv[cString(e.pointee.key)] = cString(e.pointee.value)
        }
        guard let location = kv["location"], !location.isEmpty else {
            throw ImportError.malformed(file: modelPath, detail: "tensor '\(name)' is external but has no 'location'")
        }
        let path = try ModelFolder.resolve(location, in: ModelFolder.containing(modelPath), referrer: modelPath)
        func number(_ key: String) throws -> Int? {
            guard let s = kv[key] else { return nil }
            guard let v = Int(s), v >= 0 else {
                throw ImportError.malformed(file: modelPath, detail: "tensor '\(name)': external '\(key)' is '\(s)', not a byte count")
            }
            return v
        }
        let fileSize = try InputFile(path: path).size
        let offset = try number("offset") ?? 0
        let length = try number("length") ?? max(fileSize - offset, 0)
        guard let end = Checked.add(offset, length), end <= fileSize else {
            throw ImportError.malformed(file: path, detail: "tensor '\(name)' needs bytes \(offset)..<\(offset &+ length) but the data file has \(fileSize)", offset: offset)
        }
        return inFile(path, offset: offset, length: length, needed: needed, name: name, what: "external data")
    }
}

/// A TensorProto inside an unpacked model, kept alive by its owner (read-only, hence shareable).
private struct ProtoField: @unchecked Sendable {
    let p: UnsafePointer<Onnx__TensorProto>
    let owner: ONNXProtoModel
}
