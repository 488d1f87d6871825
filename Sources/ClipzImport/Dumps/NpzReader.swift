import ClipzCore
import Foundation

/// `.npz` archives (`np.savez`, stored members; `np.savez_compressed`, deflate members) and folders
/// of `.npy` files. Both resolve every array to a `SourceTensor` without loading data.
enum NpzReader {
    static func read(path: String) throws -> [SourceTensor] {
        var out: [SourceTensor] = []
        var seen = Set<String>()
        for m in try ZipReader.members(path: path) where !m.name.hasSuffix("/") {
            guard m.name.hasSuffix(".npy") else {
                throw ImportError.malformed(file: path, detail: "member '\(m.name)' is not an .npy array", offset: m.dataOffset)
            }
            let name = String(m.name.dropLast(4))
            guard name.utf8.count <= DumpLimits.maxNameBytes, seen.insert(name).inserted else {
                throw ImportError.malformed(file: path, detail: "member '\(m.name)': duplicate or over-long name", offset: m.dataOffset)
            }
            out.append(try member(m, name: name, path: path))
        }
        return out.sorted { $0.name < $1.name }
    }

    static func member(_ m: ZipReader.Member, name: String, path: String) throws -> SourceTensor {
        let r = try FileReader(path: path)
        let header: NpyHeader
        let storage: SourceTensor.Storage
        if m.method == 0 {
            let prefix = try r.read(at: m.dataOffset, count: min(m.size, 12), what: "member '\(m.name)' header")
            let len = try NpyHeader.headerLength(prefix: prefix, file: path)
            guard len <= m.size else { throw ImportError.malformed(file: path, detail: "member '\(m.name)': header longer than member", offset: m.dataOffset) }
            header = try NpyHeader.parse(try r.read(at: m.dataOffset, count: len, what: "member '\(m.name)' header"), file: path, tensor: name)
            storage = .file(path: path, offset: m.dataOffset + header.dataOffset)
            // Stored members are read in slices later, so their CRC is checked here, in 1 MiB pieces.
            let crc = try Zlib.crc32(r, offset: m.dataOffset, count: m.size, what: "member '\(m.name)'")
            try Zlib.check(crc: crc, expected: m.crc32, member: m.name, file: path, offset: m.dataOffset)
        } else {
            let peek = Zlib.prefix(r, offset: m.dataOffset, compressedSize: m.compressedSize, count: min(m.size, 1 << 16))
            header = try NpyHeader.parse(peek, file: path, tensor: name)
            storage = .deflated(path: path, offset: m.dataOffset, compressedSize: m.compressedSize, skip: header.dataOffset, crc32: m.crc32)
        }
        let t = try SourceTensor(name: name, dtype: header.dtype, shape: header.shape, file: path, storage: storage)
        guard Checked.add(header.dataOffset, t.byteCount) == m.size else {
            throw ImportError.malformed(file: path, detail: "member '\(m.name)': \(header.dtype.rawValue) \(header.shape) needs \(t.byteCount) data bytes but the member holds \(m.size - header.dataOffset)", offset: m.dataOffset)
        }
        return t
    }

    /// A folder of `NAME.npy` files; tensor name = file name without `.npy`.
    static func readFolder(path: String) throws -> [SourceTensor] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        let files = names.filter { $0.hasSuffix(".npy") }.sorted()
        guard !files.isEmpty else { throw ImportError.unknownSource(path: path) }
        guard files.count <= DumpLimits.maxTensors else {
            throw ImportError.limitExceeded(file: path, what: "number of .npy files", value: files.count, limit: DumpLimits.maxTensors)
        }
        return try files.map { f in
            let full = try ModelFolder.resolve(f, in: path, referrer: path)
            return try npyFile(full, name: String(f.dropLast(4)))
        }
    }

    static func npyFile(_ file: String, name: String) throws -> SourceTensor {
        let r = try FileReader(path: file)
        let len = try NpyHeader.headerLength(prefix: try r.read(at: 0, count: min(r.size, 12), what: "npy header"), file: file)
        let header = try NpyHeader.parse(try r.read(at: 0, count: len, what: "npy header"), file: file, tensor: name)
        let t = try SourceTensor(name: name, dtype: header.dtype, shape: header.shape, file: file, storage: .file(path: file, offset: header.dataOffset))
        guard Checked.add(header.dataOffset, t.byteCount) == r.size else {
            throw ImportError.malformed(file: file, detail: "tensor '\(name)': \(header.dtype.rawValue) \(header.shape) needs \(t.byteCount) data bytes, file has \(r.size - header.dataOffset)", offset: header.dataOffset)
        }
        return t
    }
}
