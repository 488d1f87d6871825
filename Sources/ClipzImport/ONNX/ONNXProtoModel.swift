import CProtobufC
import COnnxProto
import ClipzCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

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

/// Owns a ModelProto unpacked by protobuf-c (with initializer raw_data stripped, see
/// `ONNXWireStrip`) and frees it when the last reference goes. Tensors held in protobuf fields keep
/// it alive; stripped raw_data is read lazily from the file, like any `SourceTensor`, after the
/// graph has been matched. Read-only after `init`, hence safe to share across threads.
final class ONNXProtoModel: @unchecked Sendable {
    let path: String
    let fileBytes: Int
    let pointer: UnsafeMutablePointer<Onnx__ModelProto>
    /// raw_data location of `graph.initializer[i]` in the file; nil when it had none.
    let initializerRaw: [Range<Int>?]

    /// - Throws: `CoreError.unreadableFile` when unreadable or not a regular file, `.limitExceeded` above 2 GiB,
    ///   `.malformed` when the wire walk or protobuf-c rejects the bytes or the file has no graph.
    init(path: String) throws {
        self.path = path
        let (fd, size) = try InputFile.openDescriptor(path)
        defer { close(fd) }
        guard size <= ONNXLimits.maxFileBytes else {
            throw ImportError.limitExceeded(file: path, what: "ONNX file size", value: size, limit: ONNXLimits.maxFileBytes)
        }
        guard size > 0 else { throw ImportError.malformed(file: path, detail: "empty file") }
        // Mapped only for the wire walk: raw_data pages are skipped, never touched, then unmapped.
        guard let map = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), map != MAP_FAILED else {
            throw ImportError.io(file: path, message: "cannot map: \(String(cString: strerror(errno)))")
        }
        defer { munmap(map, size) }
        let stripped = try ONNXWireStrip.strip(UnsafeRawBufferPointer(start: map, count: size), file: path)
        let unpacked = stripped.bytes.withUnsafeBufferPointer { b in onnx__model_proto__unpack(nil, b.count, b.baseAddress) }
        guard let model = unpacked else {
            throw ImportError.malformed(file: path, detail: "not a valid ONNX protobuf (truncated or corrupt); protobuf-c refused to parse it")
        }
        guard let g = model.pointee.graph, g.pointee.n_initializer == stripped.raw.count else {
            let detail = model.pointee.graph == nil ? "ModelProto has no graph"
                : "graph has \(model.pointee.graph?.pointee.n_initializer ?? 0) initializers after unpacking, the wire walk found \(stripped.raw.count)"
            onnx__model_proto__free_unpacked(model, nil)
            throw ImportError.malformed(file: path, detail: detail)
        }
        fileBytes = size
        initializerRaw = stripped.raw
        pointer = model
        graph = g
    }

    deinit {
        onnx__model_proto__free_unpacked(pointer, nil)
    }

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
