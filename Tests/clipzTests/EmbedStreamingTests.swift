import ClipzCore
import ClipzImport
import Foundation
import XCTest

/// `clipz embed --text-file / --images / --image-list`: the same rows as the list options, written in
/// batches, atomically, in flat memory; errors name the file and line.
final class EmbedStreamingTests: XCTestCase {
    static let digits = CLI.root.appendingPathComponent("Tests/Fixtures/digits").path
    var dir = ""

    override func setUpWithError() throws {
        dir = try CLI.tempDir(self).path
    }

    /// The digits model (text width 64, the full CLIP vocabulary) as a fp32 `.clipz`.
    func model() throws -> String {
        let out = dir + "/digits.clipz"
        let r = try CLI.run(["convert", Self.digits + "/model.safetensors", "-o", out, "--quiet"], timeout: 60)
        XCTAssertEqual(r.status, 0, r.stderr)
        return out
    }

    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let p = dir + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }

    func jsonRows(_ r: CLI.Result) throws -> [[Float]] {
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        return try XCTUnwrap(json["embeddings"] as? [[Double]]).map { $0.map(Float.init) }
    }

    func npyRows(_ path: String) throws -> [[Float]] {
        let t = try NumpyFiles.readNPY(path)
        XCTAssertEqual(t.shape.count, 2)
        let f = t.floats(), w = t.shape[1]
        return (0..<t.shape[0]).map { Array(f[($0 * w)..<(($0 + 1) * w)]) }
    }

    func assertSameRows(_ a: [[Float]], _ b: [[Float]], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        for (x, y) in zip(a, b) {
            XCTAssertEqual(x.count, y.count, file: file, line: line)
            for (u, v) in zip(x, y) { XCTAssertEqual(u, v, accuracy: 1e-5, file: file, line: line) }
        }
    }

    func testTextFileRowsMatchTheTextListInBatchesAndFromStandardInput() throws {
        let m = try model()
        let texts = ["a photo of the number three.", "", "8", "seven", "a photo of the number one.", "zero"]
        let file = try write("texts.txt", Array((texts.joined(separator: "\r\n") + "\n").utf8))
        let reference = try jsonRows(try CLI.run(["embed", m, "--json", "--quiet", "--text"] + texts))
        XCTAssertEqual(reference.count, 6)
        let out = dir + "/t.npy"
        let r = try CLI.run(["embed", m, "--text-file", file, "--batch", "4", "-o", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("wrote \(out): [6, 32] float32"), r.stderr)
        assertSameRows(try npyRows(out), reference)
        assertSameRows(try jsonRows(try CLI.run(["embed", m, "--json", "--quiet", "--batch", "5", "--text-file", file])), reference)
        // '-' reads standard input.
        let piped = try CLI.run(["embed", m, "--json", "--quiet", "--batch", "2", "--text-file", "-"], stdin: file)
        assertSameRows(try jsonRows(piped), reference)
    }

    func testImageFolderListAndPathsGiveTheSameRows() throws {
        let m = try model()
        let three = Self.digits + "/heldout/three"
        let names = try FileManager.default.contentsOfDirectory(atPath: three).filter { $0.hasSuffix(".png") }.sorted()
        let paths = names.map { three + "/" + $0 }
        let reference = try jsonRows(try CLI.run(["embed", m, "--json", "--quiet", "--image"] + paths))
        XCTAssertEqual(reference.count, paths.count)
        let out = dir + "/i.npy"
        XCTAssertEqual(try CLI.run(["embed", m, "--images", three, "--batch", "3", "-o", out, "--quiet"]).status, 0)
        assertSameRows(try npyRows(out), reference)
        let list = try write("list.txt", Array((paths.joined(separator: "\n\n") + "\n").utf8))
        assertSameRows(try jsonRows(try CLI.run(["embed", m, "--json", "--quiet", "--batch", "7", "--image-list", list])), reference)
    }

    func testAFailureHalfWayLeavesNoOutput() throws {
        let m = try model()
        let three = Self.digits + "/heldout/three"
        let first = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: three).sorted().first)
        let list = try write("list.txt", Array((Array(repeating: three + "/" + first, count: 5) + [dir + "/missing.png"]).joined(separator: "\n").utf8))
        let out = dir + "/out/e.npy"
        try FileManager.default.createDirectory(atPath: dir + "/out", withIntermediateDirectories: true)
        let r = try CLI.run(["embed", m, "--image-list", list, "--batch", "2", "-o", out, "--quiet"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains(dir + "/missing.png"), r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/out"), [], "no output and no temporary file")
    }

    func testInvalidUTF8NamesTheFileAndLine() throws {
        let m = try model()
        let bad = try write("bad.txt", Array("a photo of a cat.\n".utf8) + [0x63, 0x61, 0x74, 0xE9, 0x0A])
        let r = try CLI.run(["embed", m, "--text-file", bad, "--quiet", "-o", dir + "/x.npy"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("\(bad): line 2 is not valid UTF-8"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/x.npy"))
    }

    /// Regression (issue 12, class 5): `calibrate --texts` with invalid UTF-8 printed a bare Foundation error.
    func testCalibrateTextsErrorNamesTheFileAndLine() throws {
        let golden = CLI.root.appendingPathComponent("Tests/ClipzFormatTests/Fixtures/golden-tiny.clipz").path
        let bad = try write("prompts.txt", Array("one\ntwo\nthree ".utf8) + [0xC3, 0x28] + Array("\n".utf8))
        let r = try CLI.run(["calibrate", golden, "--images", Self.digits + "/heldout/three", "--texts", bad, "-o", dir + "/cal.json"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "error: \(bad): line 3 is not valid UTF-8; save the file as UTF-8\n")
        XCTAssertFalse(r.stderr.contains("NSCocoaErrorDomain"))
    }

    /// Regression (issue 12, class 4): all texts ran as one batch, so activation buffers grew with the
    /// number of texts (20,000 texts: 868 MB on ViT-B/32; here the old code aborts on 5,000 texts under the
    /// 256 MiB address-space cap). Now they run in batches in flat memory.
    func testManyTextsRunInFlatMemory() throws {
        let m = try model()
        let texts = (0..<5_000).map { "a photo of the number \($0 % 10) seen \($0) times" }
        let file = try write("many.txt", Array((texts.joined(separator: "\n") + "\n").utf8))
        let out = dir + "/many.npy"
        let r = try CLI.run(["embed", m, "--text-file", file, "-o", out, "--quiet"], timeout: 120)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try NumpyFiles.readNPY(out).shape, [5_000, 32])
        let list = try CLI.run(["embed", m, "--quiet", "-o", dir + "/list.npy", "--text"] + texts, timeout: 120)
        XCTAssertFalse(list.signaled, list.stderr)
        XCTAssertEqual(list.status, 0, list.stderr)
        XCTAssertEqual(try npyRows(dir + "/list.npy"), try npyRows(out))
    }
}
