import ClipzCore
import Foundation

/// Reads the table of contents of a `.safetensors` file: 8-byte little-endian header length, a
/// JSON header `{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}`,
/// then the data region. Tensors are described, not loaded; each is read later with one seek.
enum SafetensorsReader {
    static let maxHeaderBytes = 100 << 20

    static let dtypes: [String: SourceDType] = [
        "F32": .f32, "F16": .f16, "BF16": .bf16, "F64": .f64, "I64": .i64, "I32": .i32, "U8": .u8, "I8": .i8,
    ]

    static func read(path: String) throws -> [SourceTensor] {
        let r = try FileReader(path: path)
        let lenBytes = try r.read(at: 0, count: 8, what: "safetensors header length")
        guard let headerLen = LE.u64(lenBytes, 0) else {
            throw ImportError.malformed(file: path, detail: "header length does not fit in 63 bits", offset: 0)
        }
        guard headerLen <= maxHeaderBytes else {
            throw ImportError.limitExceeded(file: path, what: "safetensors header length", value: headerLen, limit: maxHeaderBytes)
        }
        let header = try r.read(at: 8, count: headerLen, what: "safetensors JSON header")
        guard let json = try? JSONSerialization.jsonObject(with: Data(header)) as? [String: Any] else {
            throw ImportError.malformed(file: path, detail: "header is not a JSON object", offset: 8)
        }
        let dataStart = 8 + headerLen
        let dataSize = r.size - dataStart
        guard json.count <= DumpLimits.maxTensors + 1 else {
            throw ImportError.limitExceeded(file: path, what: "tensor count", value: json.count, limit: DumpLimits.maxTensors)
        }
        var out: [SourceTensor] = []
        var ranges: [(Int, Int, String)] = []
        for (name, value) in json where name != "__metadata__" {
            let t = try entry(name: name, value: value, path: path, dataStart: dataStart, dataSize: dataSize)
            out.append(t.0)
            ranges.append((t.1, t.2, name))
        }
        try checkNoOverlap(ranges, path: path, dataStart: dataStart)
        // JSON objects are unordered; keep a stable order for reproducible output.
        return out.sorted { $0.name < $1.name }
    }

    /// One header entry, validated against the data region.
    static func entry(name: String, value: Any, path: String, dataStart: Int, dataSize: Int) throws -> (SourceTensor, Int, Int) {
        guard name.utf8.count <= DumpLimits.maxNameBytes else {
            throw ImportError.limitExceeded(file: path, what: "tensor name length", value: name.utf8.count, limit: DumpLimits.maxNameBytes)
        }
        guard let d = value as? [String: Any], let dt = d["dtype"] as? String, let shapeAny = d["shape"] as? [Any],
              let offsAny = d["data_offsets"] as? [Any], offsAny.count == 2 else {
            throw ImportError.malformed(file: path, detail: "tensor '\(name)': header entry needs dtype, shape and data_offsets [begin, end]")
        }
        guard let dtype = dtypes[dt] else {
            throw ImportError.unsupported(file: path, detail: "tensor '\(name)' has dtype \(dt) (supported: \(dtypes.keys.sorted().joined(separator: ", ")))")
        }
        let shape = try shape(shapeAny, tensor: name, path: path)
        let begin = try jsonInt(offsAny[0], path: path, what: "tensor '\(name)' data_offsets")
        let end = try jsonInt(offsAny[1], path: path, what: "tensor '\(name)' data_offsets")
        guard begin <= end, end <= dataSize, let fileOffset = Checked.add(dataStart, begin) else {
            throw ImportError.malformed(file: path, detail: "tensor '\(name)': data_offsets [\(begin), \(end)] outside the data region of \(dataSize) bytes", offset: dataStart)
        }
        let t = try SourceTensor(name: name, dtype: dtype, shape: shape, file: path, storage: .file(path: path, offset: fileOffset))
        guard t.byteCount == end - begin else {
            throw ImportError.malformed(file: path, detail: "tensor '\(name)': \(dt) \(shape) needs \(t.byteCount) bytes but data_offsets span \(end - begin)", offset: fileOffset)
        }
        return (t, begin, end)
    }

    /// A header entry's shape: at most `DumpLimits.maxRank` non-negative JSON integers.
    static func shape(_ dims: [Any], tensor: String, path: String) throws -> [Int] {
        guard dims.count <= DumpLimits.maxRank else {
            throw ImportError.limitExceeded(file: path, what: "rank of tensor '\(tensor)'", value: dims.count, limit: DumpLimits.maxRank)
        }
        return try dims.map { try jsonInt($0, path: path, what: "tensor '\(tensor)' shape") }
    }

    static func jsonInt(_ v: Any, path: String, what: String) throws -> Int {
        // JSONSerialization gives NSNumber; refuse fractions and negatives.
        guard let n = v as? NSNumber, !(v is String), n.int64Value >= 0, Double(n.int64Value) == n.doubleValue else {
            throw ImportError.malformed(file: path, detail: "\(what): \(v) is not a non-negative integer")
        }
        return Int(n.int64Value)
    }

    static func checkNoOverlap(_ ranges: [(Int, Int, String)], path: String, dataStart: Int) throws {
        let sorted = ranges.filter { $0.0 < $0.1 }.sorted { $0.0 < $1.0 }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.0 < a.1 {
            throw ImportError.malformed(file: path, detail: "tensors '\(a.2)' and '\(b.2)' overlap", offset: dataStart + b.0)
        }
    }
}
