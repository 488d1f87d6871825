import ClipzCore
import Foundation
import XCTest

/// `InputFile`, the one way inputs are opened: regular files only, never blocking on a FIFO,
/// every error naming the path.
final class InputFileTests: XCTestCase {
    func testFIFOIsRefusedWithoutBlocking() throws {
        let dir = try Self.tempDir(self)
        let fifo = dir + "/weights.npy"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let error = try Self.failsQuickly(unblocking: fifo) { _ = try InputFile(path: fifo) }
        XCTAssertEqual(error as? CoreError, .unreadableFile(path: fifo, reason: "is a FIFO (named pipe), not a regular file"))
        let all = try Self.failsQuickly(unblocking: fifo) { _ = try InputFile.readAll(fifo, limit: 1 << 20) }
        XCTAssertTrue("\(all)".hasPrefix(fifo + ": "), "\(all)")
    }

    func testDevicesAndFoldersAreRefused() throws {
        let dir = try Self.tempDir(self)
        for (path, kind) in [("/dev/null", "a character device"), ("/dev/zero", "a character device"), (dir, "a folder")] {
            XCTAssertThrowsError(try InputFile(path: path), path) { e in
                XCTAssertEqual(e as? CoreError, .unreadableFile(path: path, reason: "is \(kind), not a regular file"))
            }
        }
        XCTAssertThrowsError(try InputFile(path: dir + "/missing")) { e in
            XCTAssertTrue("\(e)".hasPrefix(dir + "/missing: cannot open: "), "\(e)")
        }
    }

    func testSymbolicLinkToARegularFileIsRead() throws {
        let dir = try Self.tempDir(self)
        try Data([1, 2, 3, 4, 5]).write(to: URL(fileURLWithPath: dir + "/a.bin"))
        try FileManager.default.createSymbolicLink(atPath: dir + "/link.bin", withDestinationPath: dir + "/a.bin")
        let f = try InputFile(path: dir + "/link.bin")
        XCTAssertEqual(f.size, 5)
        XCTAssertEqual(try f.read(at: 1, count: 3), [2, 3, 4])
        XCTAssertEqual(try InputFile.readAll(dir + "/link.bin", limit: 5), [1, 2, 3, 4, 5])
        // A link to a device is judged by what it points at.
        try FileManager.default.createSymbolicLink(atPath: dir + "/null.bin", withDestinationPath: "/dev/null")
        XCTAssertThrowsError(try InputFile(path: dir + "/null.bin"))
    }

    func testRangesAndLimitsAreCheckedBeforeAllocating() throws {
        let dir = try Self.tempDir(self)
        try Data([1, 2, 3, 4]).write(to: URL(fileURLWithPath: dir + "/a.bin"))
        let f = try InputFile(path: dir + "/a.bin")
        XCTAssertThrowsError(try f.read(at: 2, count: Int.max)) { XCTAssertTrue("\($0)".contains("run past the end"), "\($0)") }
        XCTAssertThrowsError(try f.read(at: -1, count: 1))
        XCTAssertThrowsError(try InputFile.readAll(dir + "/a.bin", limit: 3)) { e in
            XCTAssertTrue("\(e)".hasPrefix(dir + "/a.bin: is 4 bytes, above the limit of 3"), "\(e)")
        }
    }

    /// Runs `body` on another thread and returns its error; fails the test if it takes more than
    /// 10 s (the old code blocked forever in open), then opens the FIFO's write end to release it.
    static func failsQuickly(unblocking fifo: String, _ body: @escaping @Sendable () throws -> Void) throws -> Error {
        let done = DispatchSemaphore(value: 0)
        let box = ErrorBox()
        Thread.detachNewThread {
            do { try body() } catch { box.error = error }
            done.signal()
        }
        if done.wait(timeout: .now() + 10) == .timedOut {
            let w = open(fifo, O_WRONLY | O_NONBLOCK)
            if w >= 0 { close(w) }
            _ = done.wait(timeout: .now() + 10)
            XCTFail("opening \(fifo) blocked")
        }
        return try XCTUnwrap(box.error, "a FIFO was accepted as an input")
    }

    final class ErrorBox: @unchecked Sendable { var error: Error? }

    static func tempDir(_ test: XCTestCase) throws -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("clipz-input-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: d) }
        return d.path
    }
}
