import ClipzCore
import Foundation
import XCTest
@testable import ClipzImport

/// One table of paths a checkpoint may name, run through `ModelFolder.resolve` itself, the raw-dump
/// importer (manifest `file`) and the ONNX importer (external-data `location`): the two importers
/// must agree with the one rule set. Every path is 23 bytes, the length of the ONNX fixture's own
/// location, so it can be patched into the protobuf without re-encoding it.
final class ModelFolderTests: XCTestCase {
    enum Outcome { case accepted, unsafe, missing, notRegular }

    /// (path, outcome, reaches ONNX): protobuf-c hands strings to C, so a NUL ends them early there.
    static let table: [(String, Outcome, Bool)] = [
        ("combined_op17.onnx.data", .accepted, true),
        ("inside_link_ok_000.data", .accepted, true),   // link to the data file, inside the folder
        ("sub/combined_op17.onn.d", .accepted, true),   // a sub-folder
        ("/tmp/combined_op17.data", .unsafe, true),
        ("../combined_op17.onnx.d", .unsafe, true),
        ("x/../../combined_op1.da", .unsafe, true),
        ("sub/../combined_op17.da", .unsafe, true),     // '..' is refused even when it stays inside
        ("..\\combined_op17.onnx.d", .unsafe, true),
        ("data//combined_op17.onn", .unsafe, true),
        ("escape_link_to_out.data", .unsafe, true),     // link to a file outside the folder
        ("linkdir/outside_00.data", .unsafe, true),     // a folder link leading outside
        ("combined_op17.onnx.d\0ta", .unsafe, false),
        ("missing_file_00000.data", .missing, true),
        ("fifo_in_model_0000.data", .notRegular, true),
    ]

    /// A model folder holding the ONNX fixture, its data, and the links and files the table names.
    func modelFolder() throws -> String {
        let dir = try makeTempDir("paths"), outside = try makeTempDir("outside")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir); try? FileManager.default.removeItem(atPath: outside) }
        let fm = FileManager.default
        let data = ONNXFixtures.path("hf_tiny/external/combined_op17.onnx.data")
        try fm.copyItem(atPath: data, toPath: dir + "/combined_op17.onnx.data")
        try fm.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: false)
        try fm.copyItem(atPath: data, toPath: dir + "/sub/combined_op17.onn.d")
        try fm.copyItem(atPath: data, toPath: outside + "/outside_00.data")
        try fm.createSymbolicLink(atPath: dir + "/inside_link_ok_000.data", withDestinationPath: dir + "/combined_op17.onnx.data")
        try fm.createSymbolicLink(atPath: dir + "/escape_link_to_out.data", withDestinationPath: outside + "/outside_00.data")
        try fm.createSymbolicLink(atPath: dir + "/linkdir", withDestinationPath: outside)
        XCTAssertEqual(mkfifo(dir + "/fifo_in_model_0000.data", 0o600), 0)
        return dir
    }

    func check(_ outcome: Outcome, _ label: String, _ body: @escaping @Sendable () throws -> Void) throws {
        let result = try Self.finishes(label, body)
        switch (outcome, result) {
        case (.accepted, nil): break
        case (.unsafe, ImportError.unsafePath?), (.missing, ImportError.io?): break
        case let (.notRegular, e?) where "\(e)".contains("is a FIFO (named pipe), not a regular file"): break
        default: XCTFail("\(label): expected \(outcome), got \(result.map { "\($0)" } ?? "success")")
        }
    }

    func testOneRuleSetForTheFunctionAndBothImporters() throws {
        XCTAssertTrue(Self.table.allSatisfy { $0.0.utf8.count == 23 })
        for (path, outcome, reachesONNX) in Self.table {
            let dir = try modelFolder()
            // The function itself (existence and file type are the importers' business).
            let direct = outcome == .notRegular ? Outcome.accepted : outcome
            try check(direct, "resolve '\(path)'") { _ = try ModelFolder.resolve(path, in: dir, referrer: "m") }
            // Raw dump: a manifest naming the path.
            let manifest: [String: Any] = ["format": "clipz-raw-dump", "version": 1,
                                           "tensors": [["name": "a", "dtype": "f32", "shape": [4], "file": path]]]
            try JSONSerialization.data(withJSONObject: manifest).write(to: URL(fileURLWithPath: dir + "/manifest.json"))
            try check(outcome, "raw dump '\(path)'") { _ = try RawDumpReader.read(folder: dir) }
            // ONNX: the fixture with its external-data location replaced by the path.
            guard reachesONNX else { continue }
            var onnx = try Data(contentsOf: URL(fileURLWithPath: ONNXFixtures.path("hf_tiny/external/combined_op17.onnx")))
            let location = Data("combined_op17.onnx.data".utf8)
            var from = onnx.startIndex
            while let r = onnx.range(of: location, in: from..<onnx.endIndex) {
                onnx.replaceSubrange(r, with: Data(path.utf8))
                from = r.upperBound
            }
            try onnx.write(to: URL(fileURLWithPath: dir + "/combined_op17.onnx"))
            try check(outcome, "ONNX '\(path)'") { _ = try ONNXImporter.load(paths: [dir + "/combined_op17.onnx"]) }
        }
    }

    /// Runs `body` on another thread; a FIFO input used to block in open() forever, so after 10 s the
    /// test fails and opens the FIFOs' write ends to let the thread go.
    static func finishes(_ label: String, _ body: @escaping @Sendable () throws -> Void) throws -> Error? {
        final class Box: @unchecked Sendable { var error: Error? }
        let box = Box(), done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            do { try body() } catch { box.error = error }
            done.signal()
        }
        if done.wait(timeout: .now() + 10) == .timedOut {
            XCTFail("\(label): blocked for 10 s")
            return nil
        }
        return box.error
    }
}
