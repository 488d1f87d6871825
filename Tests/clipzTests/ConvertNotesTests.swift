import Foundation
import XCTest

/// Importers return their notes (here: a config inferred from tensor shapes) and only the CLI prints
/// them: once without --quiet, never with it. The dump importer used to write the warning to stderr
/// itself as well, so `convert` printed it twice and `--quiet` did not silence it.
final class ConvertNotesTests: XCTestCase {
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
}
