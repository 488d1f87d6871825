import ClipzCore
import Foundation

/// Random access to a file that is read piecewise (never loaded whole): every read is checked
/// against the file size *before* a buffer is allocated, so a hostile length cannot make us
/// allocate more than the file holds.
final class FileReader {
    let path: String
    let size: Int
    private let handle: FileHandle

    init(path: String) throws {
        self.path = path
        guard let attrs = try? FileManager.default.attributesOfItem(atPath: path),
              let n = (attrs[.size] as? NSNumber)?.intValue else {
            throw ImportError.io(file: path, message: "cannot stat file")
        }
        guard let h = FileHandle(forReadingAtPath: path) else { throw ImportError.io(file: path, message: "cannot open file for reading") }
        self.size = n
        self.handle = h
    }

    deinit { try? handle.close() }

    /// Exactly `count` bytes at `offset`; throws `malformed` naming `what` if the range leaves the file.
    func read(at offset: Int, count: Int, what: String) throws -> [UInt8] {
        guard offset >= 0, count >= 0, let end = Checked.add(offset, count), end <= size else {
            throw ImportError.malformed(file: path, detail: "\(what): \(count) bytes at offset \(offset) run past the end of the file (\(size) bytes)", offset: offset)
        }
        if count == 0 { return [] }
        do {
            try handle.seek(toOffset: UInt64(offset))
            guard let data = try handle.read(upToCount: count), data.count == count else {
                throw ImportError.malformed(file: path, detail: "\(what): short read (file changed while reading?)", offset: offset)
            }
            return [UInt8](data)
        } catch let e as ImportError {
            throw e
        } catch {
            throw ImportError.io(file: path, message: "\(what): \(error)")
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

    static func folder(of path: String) -> String {
        let f = (path as NSString).deletingLastPathComponent
        return f.isEmpty ? "." : f
    }

    /// Resolves `relative` inside `folder`, refusing absolute paths, `..` components and symbolic
    /// links whose target lies outside the folder. `referrer` is the file that named the path.
    static func resolveInside(folder: String, relative: String, referrer: String) throws -> String {
        let parts = relative.split(separator: "/", omittingEmptySubsequences: false)
        guard !relative.isEmpty, !relative.hasPrefix("/"), !relative.contains("\0"), !relative.contains("\\"),
              !parts.contains(where: { $0 == ".." || $0.isEmpty }) else {
            throw ImportError.unsafePath(file: referrer, path: relative)
        }
        let base = URL(fileURLWithPath: folder).standardizedFileURL.resolvingSymlinksInPath().path
        let full = URL(fileURLWithPath: join(base, relative)).standardizedFileURL.resolvingSymlinksInPath().path
        guard full.hasPrefix(base.hasSuffix("/") ? base : base + "/") else {
            throw ImportError.unsafePath(file: referrer, path: relative)
        }
        return full
    }

    /// Parses a JSON object from a file, refusing files above `cap` bytes and, when `maxEntries` is
    /// given, files whose entries (objects at depth 3, `JSONCensus`), JSON values (at most
    /// `valuesPerEntry` per entry + 4096) or nesting depth (32) exceed the caps — counted before the
    /// parser builds anything, so parse cost stays proportional to what can be accepted.
    static func jsonObject(at path: String, cap: Int = 16 << 20, maxEntries: Int? = nil, valuesPerEntry: Int = 32) throws -> [String: Any] {
        let r = try FileReader(path: path)
        guard r.size <= cap else { throw ImportError.limitExceeded(file: path, what: "JSON file size", value: r.size, limit: cap) }
        let bytes = try r.read(at: 0, count: r.size, what: "JSON")
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
