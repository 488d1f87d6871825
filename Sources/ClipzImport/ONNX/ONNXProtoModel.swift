import CProtobufC
import COnnxProto
import ClipzCore
import Foundation

/// Caps on what an ONNX file may declare; anything above is treated as corrupt or hostile.
enum ONNXLimits {
    /// protobuf messages cannot exceed 2 GiB; bigger models must use external data.
    static let maxFileBytes = Int(Int32.max)
    static let maxNodes = 1_000_000
    static let maxInitializers = 1_000_000
    static let maxNodeInputs = 10_000
    static let maxRank = 8
    static let maxListAttribute = 1 << 20
}

/// Owns a ModelProto unpacked by protobuf-c and frees it when the last reference goes.
/// Tensor sources keep it alive so embedded initializer bytes are read lazily, after the
/// graph has been matched. Read-only after `init`, hence safe to share across threads.
final class ONNXProtoModel: @unchecked Sendable {
    let path: String
    let fileBytes: Int
    let pointer: UnsafeMutablePointer<Onnx__ModelProto>

    /// - Throws: `ImportError.io` when unreadable, `.limitExceeded` above 2 GiB,
    ///   `.malformed` when protobuf-c rejects the bytes or the file has no graph.
    init(path: String) throws {
        self.path = path
        let attrs: [FileAttributeKey: Any]
        do { attrs = try FileManager.default.attributesOfItem(atPath: path) } catch {
            throw ImportError.io(file: path, message: "cannot open: \(error.localizedDescription)")
        }
        let size = (attrs[.size] as? NSNumber)?.intValue ?? 0
        guard size <= ONNXLimits.maxFileBytes else {
            throw ImportError.limitExceeded(file: path, what: "ONNX file size", value: size, limit: ONNXLimits.maxFileBytes)
        }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw ImportError.io(file: path, message: "cannot read: \(error.localizedDescription)")
        }
        fileBytes = data.count
        guard !data.isEmpty else { throw ImportError.malformed(file: path, detail: "empty file") }
        let unpacked: UnsafeMutablePointer<Onnx__ModelProto>? = data.withUnsafeBytes { raw in
            guard let base = raw.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
            return onnx__model_proto__unpack(nil, raw.count, base)
        }
        guard let model = unpacked else {
            throw ImportError.malformed(file: path, detail: "not a valid ONNX protobuf (truncated or corrupt); protobuf-c refused to parse it")
        }
        guard let g = model.pointee.graph else {
            onnx__model_proto__free_unpacked(model, nil)
            throw ImportError.malformed(file: path, detail: "ModelProto has no graph")
        }
        pointer = model
        graph = g
    }

    deinit { onnx__model_proto__free_unpacked(pointer, nil) }

    /// The graph, checked non-null in `init`.
    let graph: UnsafeMutablePointer<Onnx__GraphProto>

    /// (domain, version) pairs; the default domain is "".
    var opsets: [(String, Int)] {
        let m = pointer.pointee
        return cArray(m.opset_import, m.n_opset_import).compactMap { p in
            guard let p else { return nil }
            return (cString(p.pointee.domain), Int(p.pointee.version))
        }
    }
}

/// A C string field, "" when absent.
func cString(_ p: UnsafeMutablePointer<CChar>?) -> String { p.map { String(cString: $0) } ?? "" }

/// A protobuf-c repeated field as a Swift buffer (empty when the pointer is null).
func cArray<T>(_ p: UnsafeMutablePointer<T>?, _ n: Int) -> UnsafeBufferPointer<T> {
    guard let p, n > 0 else { return UnsafeBufferPointer(start: nil, count: 0) }
    return UnsafeBufferPointer(start: p, count: n)
}
