import Foundation
import XCTest

/// Importers return their notes (here: a config inferred from tensor shapes) and only the CLI prints
/// them: once without --quiet, never with it. The dump importer used to write the warning to stderr
/// itself as well, so `convert` printed it twice and `--quiet` did not silence it.
final class ImporterNotesTests: XCTestCase {
    func testInferredConfigWarningIsPrintedOnceAndOnlyByTheCLI() throws {
        let dir = try CLI.tempDir(self)
        let weights = dir.appendingPathComponent("model.safetensors").path
        let digits = CLI.root.appendingPathComponent("Tests/Fixtures/digits/model.safetensors").path
        try FileManager.default.copyItem(atPath: digits, toPath: weights)
        let out = dir.appendingPathComponent("digits.clipz").path
        let loud = try CLI.run(["convert", weights, "-o", out], timeout: 60)
        XCTAssertEqual(loud.status, 0, loud.stderr)
        XCTAssertEqual(loud.stderr.components(separatedBy: "config inferred from tensor shapes").count - 1, 1, loud.stderr)
        let quiet = try CLI.run(["convert", weights, "-o", out, "--force", "--quiet"], timeout: 60)
        XCTAssertEqual(quiet.status, 0, quiet.stderr)
        XCTAssertFalse(quiet.stderr.contains("config inferred"), quiet.stderr)
    }

    func testValidatePrintsTheNotesOfAReferenceConvertedInMemory() throws {
        let dir = try CLI.tempDir(self)
        let weights = dir.appendingPathComponent("model.safetensors").path
        let digits = CLI.root.appendingPathComponent("Tests/Fixtures/digits/model.safetensors").path
        try FileManager.default.copyItem(atPath: digits, toPath: weights)
        // The candidate is the same conversion (same inferred config), so validate passes.
        let candidate = dir.appendingPathComponent("digits.clipz").path
        XCTAssertEqual(try CLI.run(["convert", weights, "-o", candidate, "--quiet"], timeout: 60).status, 0)
        let r = try CLI.run(["validate", candidate, "--reference", weights], timeout: 120)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr.components(separatedBy: "reference: config inferred from tensor shapes").count - 1, 1, r.stderr)
        XCTAssertEqual(r.stderr.components(separatedBy: "config inferred").count - 1, 1, r.stderr)
    }
}
