import ClipzCore

/// A ModelProto re-encoded without initializer `raw_data`, plus where those bytes were.
struct ONNXStrippedModel {
    /// The model bytes with every `GraphProto.initializer[i].raw_data` field removed.
    let bytes: [UInt8]
    /// One entry per `GraphProto.initializer`, in wire order (the order protobuf-c unpacks them,
    /// also across repeated `graph` fields, which protobuf merges by concatenation); nil when that
    /// tensor had no `raw_data`; else the byte range of its `raw_data` in the file.
    let raw: [Range<Int>?]
}

/// Walks the protobuf wire format of a ModelProto to strip initializer `raw_data` before
/// protobuf-c unpacks it. protobuf-c copies every bytes field, so unpacking a 600 MB model
/// straight from the mapping keeps the file's pages plus a full copy resident; stripped, the
/// unpacked graph is a few MB and each tensor is read from the file only when it is loaded.
///
/// Only ModelProto.graph (7) → GraphProto.initializer (5) → TensorProto.raw_data (9) are
/// rewritten; every other field is copied verbatim, so protobuf-c still sees and validates it.
/// The nesting depth is fixed at three; every length is checked against its enclosing message.
enum ONNXWireStrip {
    static let modelGraphField = 7
    static let graphInitializerField = 5
    static let tensorRawDataField = 9

    /// - Throws: `ImportError.malformed` naming `file` and the byte offset of the bad field;
    ///   `.limitExceeded` above `ONNXLimits.maxInitializers` initializers.
    static func strip(_ buf: UnsafeRawBufferPointer, file: String) throws -> ONNXStrippedModel {
        let w = Walker(buf: buf, file: file)
        var out: [UInt8] = [], raw: [Range<Int>?] = []
        try w.fields(0, buf.count) { f in
            guard f.number == modelGraphField, f.wireType == 2 else { return out += w.slice(f.start, f.end) }
            let (graph, found) = try w.graph(f.payload, f.end, initializersBefore: raw.count)
            raw += found
            out += w.slice(f.start, f.payload - f.lengthBytes)   // tag bytes as written
            appendVarint(UInt64(graph.count), to: &out)
            out += graph
        }
        return ONNXStrippedModel(bytes: out, raw: raw)
    }

    static func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 { out.append(UInt8(v & 0x7f) | 0x80); v >>= 7 }
        out.append(UInt8(v))
    }
}

/// One field as found on the wire: `[start, end)` is the whole field (tag included), and for
/// length-delimited fields `payload..<end` is the content, preceded by `lengthBytes` of length.
struct WireField {
    let number: Int, wireType: Int
    let start: Int, payload: Int, lengthBytes: Int, end: Int
}

/// Bounds-checked cursor over the file bytes; every failure is a typed error naming the offset.
struct Walker {
    let buf: UnsafeRawBufferPointer
    let file: String

    func bad(_ detail: String, at offset: Int) -> ImportError {
        .malformed(file: file, detail: "ONNX protobuf: \(detail)", offset: offset)
    }

    func slice(_ from: Int, _ to: Int) -> UnsafeRawBufferPointer.SubSequence { buf[from..<to] }

    /// A varint of at most 10 bytes starting at `at`, ending before `end`; returns value and next offset.
    func varint(_ at: Int, _ end: Int) throws -> (UInt64, Int) {
        var value: UInt64 = 0, p = at
        for i in 0..<10 {
            guard p < end else { throw bad("varint runs past the end of its message", at: at) }
            let b = buf[p]; p += 1
            value |= UInt64(b & 0x7f) << UInt64(7 * i)
            if b < 0x80 { return (value, p) }
        }
        throw bad("varint longer than 10 bytes", at: at)
    }

    /// Calls `body` for each field in `[from, end)`, validating tags and lengths first.
    func fields(_ from: Int, _ end: Int, _ body: (WireField) throws -> Void) throws {
        var p = from
        while p < end {
            let (tag, afterTag) = try varint(p, end)
            let number = tag >> 3, wireType = Int(tag & 7)
            guard number >= 1, number <= 0x1FFF_FFFF else { throw bad("field number \(number) out of range", at: p) }
            var payload = afterTag, lengthBytes = 0, fieldEnd: Int
            switch wireType {
            case 0: fieldEnd = try varint(afterTag, end).1
            case 1, 5:
                let width = wireType == 1 ? 8 : 4
                guard end - afterTag >= width else { throw bad("fixed-width field \(number) runs past the end of its message", at: p) }
                fieldEnd = afterTag + width
            case 2:
                let (length, next) = try varint(afterTag, end)
                guard length <= UInt64(end - next) else {
                    throw bad("field \(number) declares \(length) bytes but its message has \(end - next) left", at: p)
                }
                payload = next; lengthBytes = next - afterTag; fieldEnd = next + Int(length)
            default: throw bad("unsupported wire type \(wireType) for field \(number)", at: p)
            }
            try body(WireField(number: Int(number), wireType: wireType, start: p, payload: payload, lengthBytes: lengthBytes, end: fieldEnd))
            p = fieldEnd
        }
    }

    /// GraphProto content `[from, end)` re-encoded with each initializer's raw_data removed, and
    /// the raw_data ranges of its initializers in order.
    func graph(_ from: Int, _ end: Int, initializersBefore: Int) throws -> ([UInt8], [Range<Int>?]) {
        var out: [UInt8] = []
        out.reserveCapacity(min(end - from, 1 << 20))
        var found: [Range<Int>?] = []
        try fields(from, end) { f in
            guard f.number == ONNXWireStrip.graphInitializerField, f.wireType == 2 else { return out += slice(f.start, f.end) }
            guard initializersBefore + found.count < ONNXLimits.maxInitializers else {
                throw ImportError.limitExceeded(file: file, what: "initializer count", value: initializersBefore + found.count + 1, limit: ONNXLimits.maxInitializers)
            }
            var tensor: [UInt8] = []
            var range: Range<Int>?
            try fields(f.payload, f.end) { t in
                if t.number == ONNXWireStrip.tensorRawDataField && t.wireType == 2 {
                    range = t.payload..<t.end   // last one wins, as in protobuf
                } else {
                    tensor += slice(t.start, t.end)
                }
            }
            found.append(range)
            out += slice(f.start, f.payload - f.lengthBytes)
            ONNXWireStrip.appendVarint(UInt64(tensor.count), to: &out)
            out += tensor
        }
        return (out, found)
    }
}
