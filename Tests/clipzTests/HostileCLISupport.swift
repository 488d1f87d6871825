import Foundation
import XCTest

/// Runs the built `clipz` binary as a subprocess for the hostile-input, kill and NaN tests.
enum CLI {
    /// Repository root, from this file's path (Tests/clipzTests/…).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let seeds = root.appendingPathComponent("Tools/fuzz/seeds")
    static let importFixtures = root.appendingPathComponent("Tests/ClipzImportTests/Fixtures")

    /// The `clipz` executable built with the tests: beside the test bundle (SwiftPM puts both in
    /// `<scratch>/<config>/`), else `.build/{release,debug}/clipz`.
    static let binary: String? = {
        var dirs = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
        dirs += Bundle.allBundles.map { $0.bundleURL.deletingLastPathComponent() }
        if let exe = Bundle.main.executableURL { dirs.append(exe.deletingLastPathComponent()) }
        dirs += ["release", "debug"].map { root.appendingPathComponent(".build/\($0)") }
        for d in dirs {
            let p = d.appendingPathComponent("clipz").path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }()

    struct Result {
        var status: Int32
        /// True when the process died of a signal (crash, trap, out-of-memory kill).
        var signaled: Bool
        var stdout: String
        var stderr: String
    }

    /// Address-space cap for every run (256 MiB): a hostile input must fail, not balloon.
    static let memoryLimitKB = 262_144

    /// Runs `clipz args…` under `ulimit -v`, single-threaded OpenBLAS (its thread pool cannot start
    /// under a 256 MiB address-space cap and would spin), with a wall-clock `timeout`.
    /// - Parameter stdin: a file to give the child as standard input.
    static func run(_ args: [String], timeout: TimeInterval = 30, environment extra: [String: String] = [:],
                    memoryLimitKB: Int = memoryLimitKB, stdin: String? = nil) throws -> Result {
        guard let bin = binary else { throw MissingFixture("clipz binary not found beside the test bundle") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "ulimit -v \(memoryLimitKB) && exec \"$0\" \"$@\"", bin] + args
        var env = ProcessInfo.processInfo.environment
        env["OPENBLAS_NUM_THREADS"] = "1"
        env.merge(extra) { _, new in new }
        p.environment = env
        // Output goes to files, so that neither pipe can fill up and stall the child.
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("clipz-cli-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: base + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: base + ".err", contents: nil)
        defer { try? FileManager.default.removeItem(atPath: base + ".out"); try? FileManager.default.removeItem(atPath: base + ".err") }
        let out = try XCTUnwrap(FileHandle(forWritingAtPath: base + ".out")), err = try XCTUnwrap(FileHandle(forWritingAtPath: base + ".err"))
        defer { try? out.close(); try? err.close() }
        p.standardOutput = out; p.standardError = err
        if let stdin { p.standardInput = try XCTUnwrap(FileHandle(forReadingAtPath: stdin)) }
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(2_000) }
        var timedOut = false
        if p.isRunning { timedOut = true; kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        let o = String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: base + ".out"))) ?? Data(), as: UTF8.self)
        let e = String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: base + ".err"))) ?? Data(), as: UTF8.self)
        if timedOut { return Result(status: -1, signaled: true, stdout: o, stderr: "timed out after \(timeout) s\n" + e) }
        return Result(status: p.terminationStatus, signaled: p.terminationReason == .uncaughtSignal, stdout: o, stderr: e)
    }

    /// A fresh temporary folder, removed by the caller's `addTeardownBlock`.
    static func tempDir(_ test: XCTestCase) throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("clipz-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: d) }
        return d
    }
}

/// Thrown when a committed fixture (or the built `clipz` beside the test bundle) is missing: the test
/// fails, naming it; nothing is ever skipped.
struct MissingFixture: Error, CustomStringConvertible {
    let what: String
    init(_ what: String) { self.what = what }
    var description: String { "missing: \(what)" }
}
