import COnnxProto
import ClipzCore
import Foundation

/// ONNX initializers and Constant-node tensors are `SourceTensor`s like every importer's: their bytes
/// lie in the stripped raw_data range of the model file, in an external data file, or in protobuf
/// fields read on demand. Tensors of ONNX data types Clipz does not read (double, strings, complex...)
/// are no constants to the graph matcher.
extension SourceTensor {
    /// The source dtype of an ONNX TensorProto.DataType code, nil for types Clipz does not read.
    static func onnxDType(_ code: Int32) -> SourceDType? {
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
        try Tensor(name: name, dtype: dtype.loaded, shape: shape, bytes: try readBytes()).floats()
    }

    /// Values as Int (integer tensors only); used for small shape constants.
    func ints() throws -> [Int] {
        let d = dtype.loaded
        guard !d.isFloat else { throw ImportError.unsupported(file: file, detail: "tensor '\(name)' is \(d.rawValue), expected integers") }
        return try Tensor(name: name, dtype: d, shape: shape, bytes: try readBytes()).ints()
    }

    /// Describes a TensorProto, validating shape, dtype size and external-data location; nil for ONNX
    /// data types Clipz does not read. `raw` is where the tensor's stripped raw_data lies in the model
    /// file (initializers only).
    static func onnx(_ p: UnsafePointer<Onnx__TensorProto>, owner: ONNXProtoModel, fallbackName: String,
                     raw: Range<Int>? = nil) throws -> SourceTensor? {
        let t = p.pointee
        let file = owner.path
        var name = cString(t.name)
        if name.isEmpty { name = fallbackName }
        guard t.n_dims <= ONNXLimits.maxRank else {
            throw ImportError.limitExceeded(file: file, what: "rank of tensor '\(name)'", value: t.n_dims, limit: ONNXLimits.maxRank)
        }
        guard let dtype = onnxDType(t.data_type) else { return nil }
        let dims = cArray(t.dims, t.n_dims).map { Int($0) }
        let field = ProtoField(p: p, owner: owner)
        var tensor = try SourceTensor(name: name, dtype: dtype, shape: dims, file: file, storage: .produced { [name] in
            try withExtendedLifetime(field.owner) {
                try protoBytes(field.p.pointee, dtype.loaded, name: name, shape: dims, file: file)
            }
        })
        if let raw {
            tensor.storage = inFile(file, offset: raw.lowerBound, length: raw.count, needed: tensor.byteCount, name: name,
                                    what: "raw_data")
        }
        if t.has_data_location != 0 && t.data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL {
            tensor.storage = try externalStorage(t, name: name, modelPath: file, needed: tensor.byteCount)
        }
        return tensor
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
