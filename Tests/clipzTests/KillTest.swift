import Foundation
import XCTest

/// `clipz convert` killed with SIGKILL at points spread over its run must never leave a partial
/// file under the output name: the writer builds `.NAME.tmp-<pid>-<random>` beside it and renames
/// only once complete (Formats/clipz.md, "Writing"). A temp file left by SIGKILL is expected —
/// nothing can clean up after SIGKILL — and never has the final name.
final class KillTest: XCTestCase {
    var source: String { CLI.importFixtures.appendingPathComponent("openclip_tiny/open_clip_model.safetensors").path }

    func launchConvert(_ out: String, force: Bool) throws -> Process {
        guard let bin = CLI.binary else { throw MissingFixture("clipz binary not found beside the test bundle") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bin)
        p.arguments = ["convert", source, "-o", out, "--quiet"] + (force ? ["--force"] : [])
        p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    func tempFiles(in dir: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".out.clipz.tmp-") }
    }

    func testSIGKILLNeverLeavesPartialOutput() throws {
        let dir = try CLI.tempDir(self)
        let out = dir.appendingPathComponent("out.clipz").path
        // A good previous output, and how long a full convert takes here.
        let t0 = Date()
        let first = try launchConvert(out, force: false)
        first.waitUntilExit()
        let full = Date().timeIntervalSince(t0)
        XCTAssertEqual(first.terminationStatus, 0)
        let good = try Data(contentsOf: URL(fileURLWithPath: out))
        XCTAssertEqual(try CLI.run(["inspect", "--verify", out]).status, 0)

        // Kill points: at launch and half-way by the clock, then 0–40 ms after the temporary file
        // appears (found by polling), which is when the writer is streaming tensors into it.
        var midWrite = 0, untouched = 0, replaced = 0, leftovers = 0, partialBytes = 0
        let plan: [(label: String, afterTemp: Double?, clock: Double)] =
            [("t=0", nil, 0), ("t=50%", nil, 0.5)] + [0, 0.002, 0.01, 0.04].flatMap { d in
                [("temp+\(Int(d * 1000))ms", d, 0), ("temp+\(Int(d * 1000))ms, no previous output", d, -1)]
            }
        for step in plan {
            let replacing = step.clock >= 0
            if !replacing { try? FileManager.default.removeItem(atPath: out) }
            let p = try launchConvert(out, force: replacing)
            if let d = step.afterTemp {
                while p.isRunning, try tempFiles(in: dir).isEmpty { usleep(200) }
                Thread.sleep(forTimeInterval: d)
            } else {
                Thread.sleep(forTimeInterval: full * step.clock)
            }
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            let killed = p.terminationReason == .uncaughtSignal
            let temps = try tempFiles(in: dir)
            if killed && !temps.isEmpty {
                midWrite += 1
                for t in temps { partialBytes += (try? FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent(t).path)[.size] as? Int) ?? 0 }
            }
            if FileManager.default.fileExists(atPath: out) {
                let now = try Data(contentsOf: URL(fileURLWithPath: out))
                if now == good { untouched += 1 } else {
                    // Changed: the run got past its rename before the kill, so this must be the new,
                    // complete file (every tensor's checksum verified), never a torn one.
                    XCTAssertEqual(try CLI.run(["inspect", "--verify", out]).status, 0, "\(step.label): output is not a valid .clipz")
                    replaced += 1
                }
            } else {
                XCTAssertFalse(replacing, "\(step.label): the previous output disappeared")
            }
            // Leftover temp files: expected after SIGKILL, never under the final name; clear them.
            leftovers += temps.count
            for t in temps { try FileManager.default.removeItem(at: dir.appendingPathComponent(t)) }
            // Restore the good file for the next replacing round.
            try good.write(to: URL(fileURLWithPath: out))
        }
        print("KillTest: full convert \(String(format: "%.0f", full * 1000)) ms; \(plan.count) kills, \(midWrite) landed while the temp file existed, final name untouched \(untouched), replaced by a complete file \(replaced), temp files left by SIGKILL \(leftovers) (\(partialBytes) bytes in all)")
        XCTAssertGreaterThanOrEqual(midWrite, 3, "too few kills landed mid-write; the test proves little")
    }

    func testOutputEqualToInputIsRefused() throws {
        let dir = try CLI.tempDir(self)
        let copy = dir.appendingPathComponent("model.safetensors")
        try FileManager.default.copyItem(atPath: source, toPath: copy.path)
        let before = try Data(contentsOf: copy)
        for force in [false, true] {
            let r = try CLI.run(["convert", copy.path, "-o", copy.path, "--quiet"] + (force ? ["--force"] : []))
            XCTAssertEqual(r.status, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains("model.safetensors"), r.stderr)
            XCTAssertEqual(try Data(contentsOf: copy), before, "the input was modified")
        }
        // The same file under another spelling (./, a symlink) is still the input.
        let link = dir.appendingPathComponent("link.clipz")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: copy)
        XCTAssertEqual(try CLI.run(["convert", copy.path, "-o", link.path, "--force", "--quiet"]).status, 1)
        XCTAssertEqual(try CLI.run(["convert", copy.path, "-o", dir.path + "/./model.safetensors", "--force", "--quiet"]).status, 1)
        XCTAssertEqual(try Data(contentsOf: copy), before)
    }

    func testExistingOutputNeedsForce() throws {
        let dir = try CLI.tempDir(self)
        let out = dir.appendingPathComponent("out.clipz")
        let marker = Data("not a clipz file, keep me".utf8)
        try marker.write(to: out)
        let r = try CLI.run(["convert", source, "-o", out.path, "--quiet"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("out.clipz"), r.stderr)
        XCTAssertEqual(try Data(contentsOf: out), marker, "existing output replaced without --force")
        XCTAssertEqual(try tempFiles(in: dir), [])
        XCTAssertEqual(try CLI.run(["convert", source, "-o", out.path, "--force", "--quiet"]).status, 0)
        XCTAssertNotEqual(try Data(contentsOf: out), marker)
        XCTAssertEqual(try CLI.run(["inspect", "--verify", out.path]).status, 0)
        XCTAssertEqual(try tempFiles(in: dir), [], "a successful convert left a temporary file")
    }
}
