import COnnxProto
import ClipzCore
import Foundation

/// An initializer or Constant-node tensor: type and shape known up front, bytes read on demand
/// (from the unpacked protobuf, from the model file where raw_data was stripped before unpacking,
/// or from an external data file).
struct ONNXTensorRef: @unchecked Sendable {
    enum Storage {
        case proto(UnsafePointer<Onnx__TensorProto>, owner: ONNXProtoModel)
        /// An initializer's raw_data, left in the model file (see `ONNXWireStrip`).
        case embedded(offset: Int, length: Int, owner: ONNXProtoModel)
        case external(path: String, offset: Int, length: Int)
        /// Bytes synthesised by Clipz (scalar attributes such as Constant.value_float).
        case inline([UInt8])
    }
    let name: String
    /// ONNX TensorProto.DataType code.
    let onnxType: Int32
    let shape: [Int]
    let elementCount: Int
    let storage: Storage
    /// The ONNX file this tensor is declared in (for error messages).
    let file: String

    /// The Clipz dtype, nil for types Clipz does not read (double, strings, complex...).
    var dtype: DType? { ONNXTensorRef.dtype(onnxType) }

    static func dtype(_ code: Int32) -> DType? {
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

    func requireDType() throws -> DType {
        guard let d = dtype else { throw ImportError.unsupported(file: file, detail: "tensor '\(name)' has ONNX data type \(onnxType)") }
        return d
    }

    /// Byte count for dtype × shape (checked when the reference was built).
    var byteCount: Int { elementCount * (dtype?.size ?? 0) }

    /// Reads the tensor's little-endian bytes, validating their length against dtype × shape.
    func loadBytes() throws -> [UInt8] {
        let dt = try requireDType()
        switch storage {
        case let .external(path, offset, length):
            guard length == byteCount else {
                throw ImportError.malformed(file: file, detail: "external data for '\(name)' is \(length) bytes, dtype and shape need \(byteCount)")
            }
            let data = try InputFile(path: path)
            guard let end = Checked.add(offset, length), end <= data.size else {
                throw ImportError.malformed(file: path, detail: "external data for '\(name)' ends early", offset: offset)
            }
            return try data.read(at: offset, count: length)
        case let .inline(b):
            guard b.count == byteCount else { throw ImportError.malformed(file: file, detail: "tensor '\(name)' has the wrong size") }
            return b
        case let .embedded(offset, length, owner):
            guard length == byteCount else {
                throw ImportError.malformed(file: file, detail: "tensor '\(name)': raw_data (\(dt.size)-byte elements) holds \(length / max(dt.size, 1)) values, shape \(shape) needs \(elementCount)", offset: offset)
            }
            return try owner.readRange(offset: offset, length: length, tensor: name)
        case let .proto(p, owner):
            return try withExtendedLifetime(owner) { try protoBytes(p.pointee, dt) }
        }
    }

    private func protoBytes(_ t: Onnx__TensorProto, _ dt: DType) throws -> [UInt8] {
        let n = elementCount
        func bad(_ what: String, _ got: Int) -> ImportError {
            .malformed(file: file, detail: "tensor '\(name)': \(what) holds \(got) values, shape \(shape) needs \(n)")
        }
        if t.has_raw_data != 0 {
            let raw = UnsafeRawBufferPointer(start: t.raw_data.data, count: t.raw_data.data == nil ? 0 : t.raw_data.len)
            guard raw.count == byteCount else { throw bad("raw_data (\(dt.size)-byte elements)", raw.count / max(dt.size, 1)) }
            return [UInt8](raw)
        }
        switch dt {
        case .f32:
            let v = cArray(t.float_data, t.n_float_data)
            guard v.count == n else { throw bad("float_data", v.count) }
            return [UInt8](UnsafeRawBufferPointer(v))
        case .i64:
            let v = cArray(t.int64_data, t.n_int64_data)
            guard v.count == n else { throw bad("int64_data", v.count) }
            return [UInt8](UnsafeRawBufferPointer(v))
        case .f16, .bf16, .i32, .i8, .u8:
            // The spec stores fp16/bf16 bit patterns and narrow integers one per int32_data entry.
            let v = cArray(t.int32_data, t.n_int32_data)
            guard v.count == n else { throw bad("int32_data", v.count) }
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
              Checked.mul(count, ONNXTensorRef.dtype(t.data_type)?.size ?? 1) != nil else {
            throw ImportError.malformed(file: file, detail: "tensor '\(name)' has invalid dims \(dims)")
        }
        var storage = Storage.proto(p, owner: owner)
        if let raw { storage = .embedded(offset: raw.offset, length: raw.length, owner: owner) }
        if t.has_data_location != 0 && t.data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL {
            storage = try externalStorage(t, name: name, modelPath: file)
        }
        return ONNXTensorRef(name: name, onnxType: t.data_type, shape: dims, elementCount: count, storage: storage, file: file)
    }

    private static func externalStorage(_ t: Onnx__TensorProto, name: String, modelPath: String) throws -> Storage {
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
        return .external(path: path, offset: offset, length: length)
    }
}
