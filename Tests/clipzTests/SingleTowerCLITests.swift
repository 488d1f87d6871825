import Foundation
import XCTest

/// The CLI on single-tower files: the present tower works, the absent one is named with exit code 1.
final class SingleTowerCLITests: XCTestCase {
    func testCommandsWorkOnThePresentTowerAndNameTheAbsentOne() throws {
        let dir = try CLI.tempDir(self)
        let fixtures = CLI.root.appendingPathComponent("Tests/ClipzImportTests/Fixtures").path
        let image = CLI.root.appendingPathComponent("Tests/Fixtures/digits/heldout/one/0042.png").path
        let v = dir.appendingPathComponent("v.clipz").path, t = dir.appendingPathComponent("t.clipz").path
        for (src, out) in [("hf_tiny_vision", v), ("hf_tiny_text", t)] {
            let r = try CLI.run(["convert", fixtures + "/\(src)", "-o", out, "--quiet"], timeout: 60)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let inspect = try CLI.run(["inspect", v])
        XCTAssertTrue(inspect.stdout.contains("text    none (image encoder only)"), inspect.stdout)
        XCTAssertEqual(try CLI.run(["embed", v, "--image", image, "--json"]).status, 0)
        XCTAssertEqual(try CLI.run(["bench", t, "--tower", "both", "--iterations", "1", "--warmup", "0", "--quiet"]).status, 0)
        XCTAssertEqual(try CLI.run(["tokenize", t, "hello"]).status, 0)
        XCTAssertEqual(try CLI.run(["quantize", v, "-o", dir.appendingPathComponent("q.clipz").path, "--type", "int8", "--quiet"]).status, 0)
        let noText = "v.clipz: this model has no text tower (image encoder only); embed images, or convert a checkpoint with both towers"
        let noImage = "t.clipz: this model has no image tower (text encoder only); embed texts, or convert a checkpoint with both towers"
        for (args, want) in [(["embed", v, "--text", "a cat"], noText), (["tokenize", v, "a cat"], noText),
                             (["bench", v, "--tower", "text", "--iterations", "1"], noText),
                             (["embed", t, "--image", image], noImage), (["bench", t, "--iterations", "1"], noImage),
                             (["validate", t, "--reference", t, "--images", CLI.root.appendingPathComponent("Tests/Fixtures/digits/heldout").path], noImage),
                             (["classify", t, "--dataset", CLI.root.appendingPathComponent("Tests/Fixtures/digits/heldout").path], noImage)] {
            let r = try CLI.run(args)
            XCTAssertEqual(r.status, 1, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(want), "\(args): \(r.stderr)")
        }
    }
}
