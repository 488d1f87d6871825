import ClipzFormat
@testable import clipz
import XCTest

/// Help texts, `inspect` output and exit codes of the command-line tool.
/// Snapshots live in Tests/clipzTests/Snapshots; regenerate with `CLIPZ_UPDATE_SNAPSHOTS=1 swift test ... --filter CLISnapshotTests`.
final class CLISnapshotTests: XCTestCase {
    static let snapshots = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots").path
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ClipzFormatTests/Fixtures/golden-tiny.clipz").path

    func assertSnapshot(_ text: String, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let path = Self.snapshots + "/" + name
        if ProcessInfo.processInfo.environment["CLIPZ_UPDATE_SNAPSHOTS"] == "1" {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertEqual(text, expected, "snapshot \(name) differs; if intended, regenerate (see the type's doc comment)", file: file, line: line)
    }

    func testInspectTextSnapshot() throws {
        let text = InspectReport.text(try ClipzFile(path: Self.golden), verified: false).replacingOccurrences(of: Self.golden, with: "golden-tiny.clipz")
        try assertSnapshot(text + "\n", "inspect-golden-tiny.txt")
    }

    func testInspectJSONHasDocumentedKeys() throws {
        let json = try InspectReport.json(try ClipzFile(path: Self.golden), verified: true)
        for key in ["format_version", "config", "provenance", "tensors", "preprocessing", "tokenizer", "raw_bytes", "stored_bytes", "verified"] {
            XCTAssertNotNil(json[key], key)
        }
        XCTAssertEqual(json["format_version"] as? String, "1.0")
        let tensors = try XCTUnwrap(json["tensors"] as? [[String: Any]])
        XCTAssertEqual(tensors.count, 78)
        for key in ["name", "dtype", "shape", "raw_bytes", "stored_bytes"] { XCTAssertNotNil(tensors[0][key], key) }
        XCTAssertEqual(tensors[0]["name"] as? String, "vision.patch_embed.weight")
        XCTAssertEqual(tensors[0]["shape"] as? [Int], [32, 3, 8, 8])
    }

    func testRootHelpSnapshotAndSubcommandHelpsExitZero() throws {
        try assertSnapshot(Clipz.helpMessage() + "\n", "help-root.txt")
        guard let exe = ValidateFixtures.executable else { throw MissingFixture("clipz executable not built beside the tests") }
        for sub in ["convert", "inspect", "calibrate", "quantize", "tokenize", "preprocess", "embed", "classify", "validate", "bench", "system"] {
            let (status, out, _) = try ValidateFixtures.runExecutable(exe, [sub, "--help"])
            XCTAssertEqual(status, 0, sub)
            XCTAssertTrue(out.contains("USAGE: clipz \(sub)"), sub)
        }
    }

    func testExitCodesForUsageAndInputErrors() throws {
        guard let exe = ValidateFixtures.executable else { throw MissingFixture("clipz executable not built beside the tests") }
        var (status, _, err) = try ValidateFixtures.runExecutable(exe, ["inspect"])
        XCTAssertEqual(status, 2, err)
        (status, _, err) = try ValidateFixtures.runExecutable(exe, ["inspect", "/nonexistent/model.clipz"])
        XCTAssertEqual(status, 1)
        XCTAssertTrue(err.contains("/nonexistent/model.clipz"), err)
        (status, _, err) = try ValidateFixtures.runExecutable(exe, ["quantize", Self.golden, "-o", "/tmp/x.clipz", "--type", "int4"])
        XCTAssertEqual(status, 2, err)
    }
}
