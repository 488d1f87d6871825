import ClipzCore
import Foundation

/// Random access to a file that is read piecewise (never loaded whole), opened through
/// `InputFile` (regular files only). Every read is checked against the file size *before* a buffer
/// is allocated, so a hostile length cannot make us allocate more than the file holds.
final class FileReader {
    let file: InputFile
    var path: String { file.path }
    var size: Int { file.size }

    /// - Throws: `CoreError.unreadableFile` when the file is missing or not a regular file.
    init(path: String) throws {
        file = try InputFile(path: path)
    }

    /// Exactly `count` bytes at `offset`; throws `malformed` naming `what` if the range leaves the file.
    func read(at offset: Int, count: Int, what: String) throws -> [UInt8] {
        try checkRange(offset, count, what: what)
        return try file.read(at: offset, count: count)
    }

    /// Fills `buffer` from `offset`; throws `malformed` naming `what` if the range leaves the file.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int, what: String) throws {
        try checkRange(offset, buffer.count, what: what)
        try file.read(into: buffer, at: offset)
    }

    private func checkRange(_ offset: Int, _ count: Int, what: String) throws {
        guard offset >= 0, count >= 0, let end = Checked.add(offset, count), end <= size else {
            throw ImportError.malformed(file: path, detail: "\(what): \(count) bytes at offset \(offset) run past the end of the file (\(size) bytes)", offset: offset)
        }
    }
}

/// Little-endian integer decoding from byte arrays with bounds checks (nil instead of a trap).
enum LE {
    static func u16(_ b: [UInt8], _ at: Int) -> Int? { uint(b, at, 2) }
    static func u32(_ b: [UInt8], _ at: Int) -> Int? { uint(b, at, 4) }
    /// Values above Int.max come back as nil (treated as corrupt by callers).
    static func u64(_ b: [UInt8], _ at: Int) -> Int? { uint(b, at, 8) }

    static func uint(_ b: [UInt8], _ at: Int, _ n: Int) -> Int? {
        guard at >= 0, let end = Checked.add(at, n), end <= b.count else { return nil }
        var v: UInt64 = 0
        for i in (0..<n).reversed() { v = v << 8 | UInt64(b[at + i]) }
        return v > UInt64(Int.max) ? nil : Int(v)
    }
}

/// File-system helpers shared by the dump readers.
enum DumpPaths {
    static func isDirectory(_ path: String) -> Bool {
        var dir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &dir) && dir.boolValue
    }

    static func join(_ folder: String, _ name: String) -> String {
        (folder as NSString).appendingPathComponent(name)
    }

    /// Parses a JSON object from a file, refusing files above `cap` bytes and, when `maxEntries` is
    /// given, files whose entries (objects at depth 3, `JSONCensus`), JSON values (at most
    /// `valuesPerEntry` per entry + 4096) or nesting depth (32) exceed the caps — counted before the
    /// parser builds anything, so parse cost stays proportional to what can be accepted.
    static func jsonObject(at path: String, cap: Int = 16 << 20, maxEntries: Int? = nil, valuesPerEntry: Int = 32) throws -> [String: Any] {
        let file = try InputFile(path: path)
        guard file.size <= cap else { throw ImportError.limitExceeded(file: path, what: "JSON file size", value: file.size, limit: cap) }
        let bytes = try file.read(at: 0, count: file.size)
        if let maxEntries {
            let c = JSONCensus(bytes)
            func over(_ what: String, _ v: Int, _ l: Int) -> ImportError {
                .limitExceeded(file: path, what: what + " (counted before parsing)", value: v, limit: l)
            }
            guard c.maxDepth <= 32 else { throw over("JSON nesting depth", c.maxDepth, 32) }
            guard c.entries <= maxEntries + 64 else { throw over("entry count", c.entries, maxEntries + 64) }
            let values = c.entries * valuesPerEntry + 4096
            guard c.values <= values else { throw over("JSON values", c.values, values) }
        }
        guard let obj = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw ImportError.malformed(file: path, detail: "not a JSON object")
        }
        return obj
    }
}
