import ClipzCore
import Foundation

/// Writes a `.clipz` file (Formats/clipz.md):
///   [preamble 64 B][payload][pad to 64]…[header JSON]; the preamble is patched in last.
/// Tensors are loaded, encoded and written one at a time, so memory is bounded by the largest tensor.
public enum ClipzWriter {
    /// Per-tensor statistics reported back to the caller.
    public struct Written: Sendable {
        public var entries: [TensorEntry]
        public var fileBytes: Int
    }

    /// - Parameters:
    ///   - model: metadata and lazily loaded tensors.
    ///   - path: output path; written atomically.
    ///   - force: replace an existing output.
    ///   - quant: quantization parameters per tensor name.
    ///   - progress: called after each tensor with (index, count, name).
    /// - Throws: `FormatError` (output exists / is an input / IO), errors from tensor loaders.
    @discardableResult
    public static func write(_ model: ModelSource, to path: String, force: Bool = false,
                             quant: [String: QuantParams] = [:],
                             progress: ((Int, Int, String) -> Void)? = nil) throws -> Written {
        guard model.tensors.count <= FormatLimits.tensorCount else {
            throw FormatError.limit(path: path, what: "tensor count", value: model.tensors.count, limit: FormatLimits.tensorCount)
        }
        var seen = Set<String>()
        for t in model.tensors where !seen.insert(t.name).inserted {
            throw FormatError.corrupt(path: path, detail: "duplicate tensor name '\(t.name)'", offset: nil)
        }
        let out = try AtomicOutput(path: path, inputs: model.inputPaths, force: force)
        try out.write([UInt8](repeating: 0, count: Preamble.size))
        var entries: [TensorEntry] = []
        let codec = Codec(path: path)
        for (i, source) in model.tensors.enumerated() {
            let t = try source.load()
            guard t.shape.count <= FormatLimits.rank, t.shape.allSatisfy({ $0 <= FormatLimits.dimension }),
                  t.bytes.count <= FormatLimits.tensorBytes, t.name.utf8.count <= FormatLimits.nameBytes, !t.name.isEmpty else {
                throw FormatError.limit(path: path, what: "tensor '\(t.name)' rank/dimension/size/name", value: t.bytes.count, limit: FormatLimits.tensorBytes)
            }
            try out.pad(to: FormatLimits.alignment)
            let offset = out.position
            let (encoding, stored, crc) = try t.bytes.withUnsafeBytes { raw in
                let (encoding, payload) = try codec.encode(raw, width: t.dtype.isFloat ? t.dtype.size : 1, tensor: t.name)
                try out.write(payload)
                return (encoding, payload.count, CRC32C.checksum(raw))
            }
            entries.append(TensorEntry(name: t.name, dtype: t.dtype.rawValue, shape: t.shape, encoding: encoding.rawValue,
                                       offset: offset, storedBytes: stored, rawBytes: t.bytes.count,
                                       crc32c: crc, quant: quant[t.name]))
            progress?(i + 1, model.tensors.count, t.name)
        }
        try out.pad(to: FormatLimits.alignment)
        let headerOffset = out.position
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let header = Array(try encoder.encode(FileHeader(format: "clipz", metadata: model.metadata, tensors: entries)))
        guard header.count <= FormatLimits.headerBytes else {
            throw FormatError.limit(path: path, what: "header bytes", value: header.count, limit: FormatLimits.headerBytes)
        }
        try out.write(header)
        let pre = Preamble(headerOffset: UInt64(headerOffset), headerLength: UInt64(header.count),
                           headerCRC: CRC32C.checksum(header), fileLength: UInt64(out.position))
        try out.patch(pre.encode(), at: 0)
        try out.commit()
        return Written(entries: entries, fileBytes: out.position)
    }
}
