import Foundation
import XCTest

/// FIFOs and devices given as inputs or outputs (issue 12): inputs are refused at once with a
/// message naming them, an existing output that is not a regular file is never replaced.
final class SpecialFileTests: XCTestCase {
    /// Each of these used to block forever in open(); `CLI.run` kills the run after 20 s.
    func testFIFOInputsAreRefusedQuickly() throws {
        let dir = try CLI.tempDir(self).path
        try FileManager.default.createDirectory(atPath: dir + "/npy", withIntermediateDirectories: false)
        for fifo in ["npy/weights.npy", "model.onnx", "model.clipz"] { XCTAssertEqual(mkfifo(dir + "/" + fifo, 0o600), 0) }
        let runs: [([String], String)] = [
            (["convert", dir + "/npy", "-o", dir + "/a.clipz"], dir + "/npy/weights.npy"),
            (["convert", dir + "/model.onnx", "-o", dir + "/b.clipz"], dir + "/model.onnx"),
            (["inspect", dir + "/model.clipz"], dir + "/model.clipz"),
        ]
        for (args, named) in runs {
            let r = try CLI.run(args, timeout: 20)
            XCTAssertEqual(r.status, 1, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("\(named): is a FIFO (named pipe), not a regular file"), "\(args): \(r.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/a.clipz"))
    }

    func testDeviceAndFIFOOutputsAreNeverReplaced() throws {
        let dir = try CLI.tempDir(self).path
        let input = CLI.seeds.appendingPathComponent("clipz/micro.clipz").path
        XCTAssertEqual(mkfifo(dir + "/out.clipz", 0o600), 0)
        for (output, kind) in [("/dev/null", "a character device"), (dir + "/out.clipz", "a FIFO (named pipe)")] {
            let r = try CLI.run(["quantize", input, "-o", output, "--type", "fp16", "--force"])
            XCTAssertEqual(r.status, 1, "\(output): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("\(output): is \(kind), not a regular file"), r.stderr)
        }
        var st = stat()
        XCTAssertEqual(stat("/dev/null", &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFCHR, "/dev/null is no longer a device")
        XCTAssertEqual(lstat(dir + "/out.clipz", &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFIFO, "the FIFO was replaced")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["out.clipz"], "temporary file left behind")
    }

    func testSymbolicLinkToARegularInputIsRead() throws {
        let dir = try CLI.tempDir(self).path
        let input = CLI.seeds.appendingPathComponent("clipz/micro.clipz").path
        try FileManager.default.createSymbolicLink(atPath: dir + "/link.clipz", withDestinationPath: input)
        let linked = try CLI.run(["inspect", dir + "/link.clipz", "--json"])
        let direct = try CLI.run(["inspect", input, "--json"])
        XCTAssertEqual(linked.status, 0, linked.stderr)
        XCTAssertEqual(linked.stdout.replacingOccurrences(of: dir + "/link.clipz", with: input), direct.stdout)
        let r = try CLI.run(["quantize", dir + "/link.clipz", "-o", dir + "/half.clipz", "--type", "fp16"])
        XCTAssertEqual(r.status, 0, r.stderr)
    }
}
