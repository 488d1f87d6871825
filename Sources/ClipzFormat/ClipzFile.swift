import ClipzCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An open `.clipz` file: validated header and tensor table; payloads are read on demand.
///
/// Layout (Formats/clipz.md): [preamble 64 B][payloads, 64-aligned][header JSON].
/// Everything in the preamble and header is checked before any payload-sized allocation:
/// magic, version, flags, checksums, file length, caps (the header's entry and value counts before
/// its JSON is parsed), shapes × dtype = raw bytes, encodings' size bounds, offsets aligned and
/// inside the payload region, no overlaps, and every tensor accounted for by the config.
public final class ClipzFile: @unchecked Sendable {
    public let path: String
    public let versionMajor: Int
    public let versionMinor: Int
    public let metadata: ModelMetadata
    public let entries: [TensorEntry]
    public let fileBytes: Int
    private let index: [String: Int]
    private let fd: Int32
    let scratchLock = NSLock()
    let scratch = FileScratch()

    /// Opens and validates a file.
    /// - Throws: `FormatError` naming the problem and byte offset.
    public convenience init(path: String) throws {
        try self.init(path: path, checksConfig: true)
    }

    /// `checksConfig: false` opens a bare container (tests of the container layer alone, with
    /// tensors that belong to no model); every other check still runs.
    init(path: String, checksConfig: Bool) throws {
        self.path = path
        (fd, fileBytes) = try InputFile.openDescriptor(path)
        do {
            let pre = try Preamble.decode(try ClipzFile.read(fd, path, offset: 0, count: min(fileBytes, Preamble.size)), path: path)
            versionMajor = Int(pre.versionMajor); versionMinor = Int(pre.versionMinor)
            guard pre.fileLength == UInt64(fileBytes) else {
                throw FormatError.corrupt(path: path, detail: "preamble says the file has \(pre.fileLength) bytes but it has \(fileBytes) (truncated or appended to)", offset: 40)
            }
            guard pre.headerLength >= 2, pre.headerLength <= UInt64(FormatLimits.headerBytes) else {
                throw FormatError.limit(path: path, what: "header length", value: Int(clamping: pre.headerLength), limit: FormatLimits.headerBytes)
            }
            guard pre.headerOffset >= UInt64(Preamble.size), pre.headerOffset % 64 == 0,
                  pre.headerOffset + pre.headerLength == pre.fileLength else {
                throw FormatError.corrupt(path: path, detail: "header offset \(pre.headerOffset) + length \(pre.headerLength) does not end the file", offset: 16)
            }
            let headerOffset = Int(pre.headerOffset)
            let headerBytes = try ClipzFile.read(fd, path, offset: headerOffset, count: Int(pre.headerLength))
            guard CRC32C.checksum(headerBytes) == pre.headerCRC else { throw FormatError.checksum(path: path, what: "header", offset: headerOffset) }
            try ClipzFile.checkCensus(JSONCensus(headerBytes), path: path)
            let header: FileHeader
            do { header = try JSONDecoder().decode(FileHeader.self, from: Data(headerBytes)) } catch {
                throw FormatError.corrupt(path: path, detail: "header JSON: \(ClipzFile.describe(error))", offset: headerOffset)
            }
            guard header.format == "clipz" else { throw FormatError.corrupt(path: path, detail: "header format is '\(header.format)'", offset: headerOffset) }
            try ClipzFile.validate(header.tensors, path: path, payloadEnd: headerOffset)
            if checksConfig { try ClipzFile.checkAccounted(header, path: path, offset: headerOffset) }
            metadata = header.metadata
            entries = header.tensors
            var idx: [String: Int] = [:]
            for (i, e) in entries.enumerated() { idx[e.name] = i }
            index = idx
        } catch { close(fd); throw error }
    }

    deinit { close(fd) }

    public func entry(named name: String) -> TensorEntry? { index[name].map { entries[$0] } }
    public var tensorNames: [String] { entries.map(\.name) }

    /// Loads one tensor: reads its payload, decodes it into exactly `raw_bytes`, checks CRC-32C.
    /// - Throws: `FormatError.noSuchTensor`, `.unsupportedTensor`, `.checksum`, `.corrupt`.
    public func tensor(_ name: String) throws -> Tensor {
        guard let e = entry(named: name) else { throw FormatError.noSuchTensor(path: path, tensor: name) }
        guard let dtype = e.knownDType else { throw FormatError.unsupportedTensor(path: path, tensor: name, detail: "unknown dtype '\(e.dtype)'") }
        guard let encoding = Encoding(rawValue: e.encoding) else { throw FormatError.unsupportedTensor(path: path, tensor: name, detail: "unknown encoding '\(e.encoding)'") }
        if let q = e.quant, q.scheme != QuantParams.int8PerChannel {
            throw FormatError.unsupportedTensor(path: path, tensor: name, detail: "unknown quantization scheme '\(q.scheme)'")
        }
        let raw = try decoded(e, encoding, width: dtype.isFloat ? dtype.size : 1, count: e.rawBytes, as: UInt8.self)
        return try Tensor(name: name, dtype: dtype, shape: e.shape, bytes: raw)
    }

    /// Reads `count` bytes at `offset` into `buffer` with pread (bounds already validated against the file size).
    static func read(_ fd: Int32, _ path: String, into buffer: UnsafeMutableRawPointer, offset: Int, count: Int) throws {
        var done = 0
        while done < count {
            let n = pread(fd, buffer + done, count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { throw FormatError.corrupt(path: path, detail: "unexpected end of file reading \(count) bytes", offset: offset + done) }
            done += n
        }
    }

    /// Reads `count` bytes at `offset` into a new array; the caller has bounded `count` by the file size.
    static func read(_ fd: Int32, _ path: String, offset: Int, count: Int) throws -> [UInt8] {
        var buf = [UInt8](repeating: 0, count: max(count, 1))
        try buf.withUnsafeMutableBytes { try read(fd, path, into: $0.baseAddress!, offset: offset, count: count) }
        if count == 0 { buf = [] }
        return buf
    }

    /// Reads a tensor's payload with this file's descriptor.
    func readInto(_ buffer: UnsafeMutableRawPointer, offset: Int, count: Int) throws {
        try ClipzFile.read(fd, path, into: buffer, offset: offset, count: count)
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case let DecodingError.keyNotFound(k, c): return "missing key '\(k.stringValue)' at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
        case let DecodingError.typeMismatch(_, c), let DecodingError.valueNotFound(_, c):
            return "wrong type at \(c.codingPath.map(\.stringValue).joined(separator: ".")): \(c.debugDescription)"
        case let DecodingError.dataCorrupted(c): return c.debugDescription
        default: return "\(error)"
        }
    }
}
