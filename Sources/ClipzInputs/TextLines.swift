import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads a UTF-8 text file (or standard input, `-`) one line at a time in bounded memory: the only
/// reader of texts files and image lists. Lines end at `\n` (a `\r` before it is dropped); a UTF-8
/// byte-order mark at the start is skipped; the last line needs no newline.
public final class TextLines {
    /// The path as given ("-" for standard input).
    public let path: String
    /// The name errors use: the path, or "standard input".
    public let name: String
    /// Longest accepted line in bytes.
    public let maxLineBytes: Int
    /// 1-based number of the line last returned (0 before the first).
    public private(set) var lineNumber = 0
    /// Bytes consumed so far.
    public private(set) var bytesRead = 0
    private var fd: Int32
    private let ownsFD: Bool
    private var buffer: [UInt8] = []
    private var head = 0
    private var eof = false

    public static let defaultMaxLineBytes = 1 << 20

    /// - Throws: `InputError.unreadable` when the file cannot be opened or is a folder.
    public init(path: String, maxLineBytes: Int = defaultMaxLineBytes) throws {
        self.path = path
        self.maxLineBytes = maxLineBytes
        if path == "-" {
            fd = 0; ownsFD = false; name = "standard input"
        } else {
            name = path
            fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd < 0 { throw InputError.unreadable(path: path, reason: String(cString: strerror(errno))) }
            ownsFD = true
            var s = stat()
            if fstat(fd, &s) == 0 && (s.st_mode & S_IFMT) == S_IFDIR {
                close(fd)
                fd = -1
                throw InputError.unreadable(path: path, reason: "it is a folder, expected a text file")
            }
        }
    }

    deinit { if ownsFD && fd >= 0 { close(fd) } }

    /// The next line without its line ending, or nil at the end of the input.
    /// - Throws: `InputError.invalidUTF8` / `.lineTooLong` with the line number, `.unreadable` on a read error.
    public func next() throws -> String? {
        while true {
            if let nl = buffer[head...].firstIndex(of: 0x0A) {
                let line = try take(head..<nl)
                head = nl + 1
                bytesRead += 1
                return line
            }
            if buffer.count - head > maxLineBytes {
                throw InputError.lineTooLong(path: name, line: lineNumber + 1, limit: maxLineBytes)
            }
            if eof {
                guard head < buffer.count else { return nil }
                let line = try take(head..<buffer.count)
                head = buffer.count
                return line
            }
            try fill()
        }
    }

    /// Decodes one line; counts it.
    private func take(_ range: Range<Int>) throws -> String {
        lineNumber += 1
        bytesRead += range.count
        var r = range
        if lineNumber == 1 && buffer[r].starts(with: [0xEF, 0xBB, 0xBF]) { r = (r.lowerBound + 3)..<r.upperBound }
        if r.count > maxLineBytes { throw InputError.lineTooLong(path: name, line: lineNumber, limit: maxLineBytes) }
        if let last = r.last, buffer[last] == 0x0D { r = r.lowerBound..<last }
        guard let s = String(validating: buffer[r], as: UTF8.self) else {
            throw InputError.invalidUTF8(path: name, line: lineNumber)
        }
        return s
    }

    /// Reads the next chunk, dropping consumed bytes first so the buffer stays near one line plus one chunk.
    private func fill() throws {
        if head > 0 {
            buffer.removeSubrange(0..<head)
            head = 0
        }
        let chunk = 1 << 16
        let old = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: chunk))
        var n = 0
        repeat {
            n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + old, chunk) }
        } while n < 0 && errno == EINTR
        if n < 0 {
            let reason = String(cString: strerror(errno))
            buffer.removeSubrange(old...)
            throw InputError.unreadable(path: name, reason: reason)
        }
        buffer.removeSubrange((old + n)...)
        if n == 0 { eof = true }
    }
}

/// Whole texts files for commands that need every text at once (`calibrate --texts`, `validate --texts`);
/// `clipz embed --text-file` streams instead.
public enum TextsFile {
    public static let maxBytes = 16 << 20
    public static let maxTexts = 100_000

    /// One text per line; lines that are blank (only spaces) are skipped.
    /// - Throws: `InputError` naming the file: unreadable, not UTF-8 (with the line), over `maxBytes`
    ///   or `maxTexts`, or without any text.
    public static func read(_ path: String, maxBytes: Int = maxBytes, maxTexts: Int = maxTexts) throws -> [String] {
        let lines = try TextLines(path: path, maxLineBytes: min(maxBytes, TextLines.defaultMaxLineBytes))
        var out: [String] = []
        while let line = try lines.next() {
            if lines.bytesRead > maxBytes { throw InputError.fileTooLarge(path: lines.name, limit: maxBytes) }
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            out.append(line)
            if out.count > maxTexts { throw InputError.tooMany(path: lines.name, what: "texts", limit: maxTexts) }
        }
        guard !out.isEmpty else { throw InputError.empty(path: lines.name, what: "texts (one per line)") }
        return out
    }
}
