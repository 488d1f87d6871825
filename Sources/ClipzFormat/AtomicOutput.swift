import CClipzKernels
import ClipzCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A file written under a temporary name in the destination folder, fsynced, then renamed over
/// the final name (Formats/clipz.md, "Writing"). Dropping it without `commit()` removes the
/// temporary file, so the final name never holds a partial file.
public final class AtomicOutput {
    public let path: String
    let tempPath: String
    private var fd: Int32
    private var committed = false
    public private(set) var position = 0

    /// - Parameters:
    ///   - path: final output path.
    ///   - inputs: paths this output must not replace.
    ///   - force: replace an existing file.
    /// - Throws: `FormatError.outputIsInput`, `.outputExists`, `.io`.
    public init(path: String, inputs: [String], force: Bool) throws {
        self.path = path
        try AtomicOutput.checkOutput(path, inputs: inputs, force: force)
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw FormatError.io(path: path, message: "output folder '\(dir)' does not exist")
        }
        tempPath = dir + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        fd = open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd < 0 { throw FormatError.io(path: path, message: "cannot create temporary file in '\(dir)': \(String(cString: strerror(errno)))") }
    }

    /// The checks `init` makes, without creating anything: call before long work so a bad `-o` fails fast.
    /// An existing output that is not a regular file (following links: `/dev/null`, a FIFO, a folder)
    /// is refused whatever `force` says, because the rename would replace the node itself.
    public static func checkOutput(_ path: String, inputs: [String], force: Bool) throws {
        try checkNotInput(path, inputs)
        var st = stat()
        guard stat(path, &st) == 0 else { return }
        guard st.st_mode & S_IFMT == S_IFREG else { throw FormatError.outputNotRegular(path: path, kind: InputFile.kind(st.st_mode)) }
        if !force { throw FormatError.outputExists(path: path) }
    }

    /// Refuses `output` when it names the same file as any input (by path or by device+inode).
    public static func checkNotInput(_ output: String, _ inputs: [String]) throws {
        let o = URL(fileURLWithPath: output).standardizedFileURL.resolvingSymlinksInPath().path
        var os = stat()
        let oExists = stat(output, &os) == 0
        for input in inputs {
            if URL(fileURLWithPath: input).standardizedFileURL.resolvingSymlinksInPath().path == o { throw FormatError.outputIsInput(path: output) }
            var s = stat()
            if oExists && stat(input, &s) == 0 && s.st_dev == os.st_dev && s.st_ino == os.st_ino { throw FormatError.outputIsInput(path: output) }
        }
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Bytes written since writeback of the file was last started.
    private var unflushed = 0
    /// Start of the step whose writeback began last; cached pages before it are dropped.
    private var flushedUpTo = 0
    /// Writeback is started every this many bytes, so the final fsync finds little left to write
    /// (a multi-GB model would otherwise wait there for everything the page cache held back).
    static let writebackStep = 32 << 20

    public func write(_ raw: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < raw.count {
            let n = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw FormatError.io(path: path, message: "write failed: \(String(cString: strerror(errno)))")
            }
            done += n
        }
        position += raw.count
        unflushed += raw.count
        if unflushed >= AtomicOutput.writebackStep {
            // Start writing this step back; the previous step has had a step's time to reach the disk.
            let start = position - unflushed
            clipz_start_writeback(fd, Int64(start), Int64(unflushed))
            clipz_drop_cached(fd, Int64(flushedUpTo), Int64(start - flushedUpTo))
            flushedUpTo = start
            unflushed = 0
        }
    }

    /// Writes zeros up to the next multiple of `alignment`.
    public func pad(to alignment: Int) throws {
        let rem = position % alignment
        if rem != 0 { try write([UInt8](repeating: 0, count: alignment - rem)) }
    }

    /// Overwrites bytes at `offset` (used for the preamble).
    public func patch(_ bytes: [UInt8], at offset: Int) throws {
        let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) }
        if n != bytes.count { throw FormatError.io(path: path, message: "pwrite failed: \(String(cString: strerror(errno)))") }
    }

    /// fsync, rename over the final name, fsync the folder.
    public func commit() throws {
        if fsync(fd) != 0 { throw FormatError.io(path: path, message: "fsync failed: \(String(cString: strerror(errno)))") }
        close(fd); fd = -1
        // Checked again here: the output may have been replaced by a device or FIFO during long work.
        try AtomicOutput.checkOutput(path, inputs: [], force: true)
        if rename(tempPath, path) != 0 { throw FormatError.io(path: path, message: "rename failed: \(String(cString: strerror(errno)))") }
        committed = true
        let dir = open(URL(fileURLWithPath: path).deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY)
        if dir >= 0 { fsync(dir); close(dir) }
    }

    deinit {
        if fd >= 0 { close(fd) }
        if !committed { unlink(tempPath) }
    }
}
