import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A file Clipz reads: the one way every module opens an input (checkpoints, external data,
/// `.clipz`, images, texts, calibration and tokenizer files).
///
/// The file is opened with `O_NONBLOCK`, so that a FIFO or a device named like a model cannot block
/// the open, then `fstat`ed on the open descriptor and refused unless it is a regular file (a symbolic
/// link to a regular file is fine). Reads are `pread`s checked against the size found by `fstat`,
/// so a length read from a hostile file cannot allocate more than the file holds.
/// Every error is `CoreError.unreadableFile`, naming the path and what is wrong.
public final class InputFile: @unchecked Sendable {
    public let path: String
    /// Size in bytes when the file was opened.
    public let size: Int
    private let fd: Int32

    /// - Throws: `CoreError.unreadableFile` when the file is missing, unreadable or not a regular file.
    public init(path: String) throws {
        (fd, size) = try InputFile.openDescriptor(path)
        self.path = path
    }

    deinit { close(fd) }

    /// Opens `path` for reading and returns the descriptor (the caller closes it) and the file size.
    /// - Throws: `CoreError.unreadableFile` when the file is missing, unreadable or not a regular file.
    public static func openDescriptor(_ path: String) throws -> (fd: Int32, size: Int) {
        guard !path.isEmpty, !path.utf8.contains(0) else {
            throw CoreError.unreadableFile(path: path, reason: "not a valid path")
        }
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { throw CoreError.unreadableFile(path: path, reason: "cannot open: \(lastError())") }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let reason = "cannot stat: \(lastError())"
            close(fd)
            throw CoreError.unreadableFile(path: path, reason: reason)
        }
        guard st.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw CoreError.unreadableFile(path: path, reason: "is \(kind(st.st_mode)), not a regular file")
        }
        return (fd, Int(st.st_size))
    }

    /// The whole file, refused when it is larger than `limit` bytes (checked before allocating).
    /// - Throws: `CoreError.unreadableFile` naming the path.
    public static func readAll(_ path: String, limit: Int) throws -> [UInt8] {
        let file = try InputFile(path: path)
        guard file.size <= limit else {
            let reason = "is \(file.size) bytes, above the limit of \(limit) for this kind of file"
            throw CoreError.unreadableFile(path: path, reason: reason)
        }
        return try file.read(at: 0, count: file.size)
    }

    /// Exactly `count` bytes at `offset`.
    /// - Throws: `CoreError.unreadableFile` when the range leaves the file or the read fails or falls short.
    public func read(at offset: Int, count: Int) throws -> [UInt8] {
        try checkRange(offset, count)
        return try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            try read(into: UnsafeMutableRawBufferPointer(buffer), at: offset)
            initialized = count
        }
    }

    /// Fills `buffer` with the bytes at `offset`.
    /// - Throws: `CoreError.unreadableFile` when the range leaves the file or the read fails or falls short.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws {
        try checkRange(offset, buffer.count)
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            if n < 0 {
                let reason = "read at byte \(offset + done) failed: \(InputFile.lastError())"
                throw CoreError.unreadableFile(path: path, reason: reason)
            }
            if n == 0 {
                let reason = "ends at byte \(offset + done), expected \(offset + buffer.count) (file changed while reading?)"
                throw CoreError.unreadableFile(path: path, reason: reason)
            }
            done += n
        }
    }

    private func checkRange(_ offset: Int, _ count: Int) throws {
        guard offset >= 0, count >= 0, let end = Checked.add(offset, count), end <= size else {
            let reason = "\(count) bytes at byte \(offset) run past the end of the file (\(size) bytes)"
            throw CoreError.unreadableFile(path: path, reason: reason)
        }
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }

    /// A file type in words, for messages.
    public static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: return "a folder"
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        case S_IFLNK: return "a symbolic link"
        default: return "a special file"
        }
    }
}
