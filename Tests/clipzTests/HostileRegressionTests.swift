import Foundation
import XCTest

/// Replays every committed fuzz regression (Tools/fuzz/regressions/<target>/*) and every seed
/// (Tools/fuzz/seeds/<target>/*) through the fuzz targets' own entry points, in-process and
/// without a sanitizer: each must return or throw. A crash here is a crash the fuzzer found.
final class HostileRegressionTests: XCTestCase {
    func testReplayRegressionsAndSeeds() throws {
        let fm = FileManager.default
        let scratch = try CLI.tempDir(self).path
        var replayed = 0, regressions = 0
        for target in FuzzEntries.targets {
            for folder in ["Tools/fuzz/regressions", "Tools/fuzz/seeds"] {
                let dir = CLI.root.appendingPathComponent("\(folder)/\(target)")
                let files = ((try? fm.contentsOfDirectory(atPath: dir.path)) ?? []).filter { !$0.hasPrefix(".") && $0 != "README.md" }.sorted()
                for f in files {
                    let data = try Data(contentsOf: dir.appendingPathComponent(f))
                    _ = try? FuzzEntries.run(target, data, scratch: scratch)
                    replayed += 1
                    if folder.hasSuffix("regressions") { regressions += 1 }
                }
            }
        }
        print("HostileRegressionTests: replayed \(replayed) inputs (\(regressions) committed regressions)")
        XCTAssertGreaterThan(replayed, 30, "seeds missing: run from a full checkout")
    }

    /// The seeds are valid files: the deep paths the fuzzer starts from must actually succeed.
    func testSeedsAreAccepted() throws {
        let scratch = try CLI.tempDir(self).path
        let seeds = CLI.seeds
        for (target, file) in [("rawdump", "micro_with_config"), ("clipz", "micro.clipz"), ("clipz_tokenizer", "micro.clipz"),
                               ("calibration", "micro.json"), ("tokenizer_json", "mini.json"),
                               ("merges", "mini.txt"), ("image", "rgb.png"), ("image", "progressive.jpg"), ("npy", "f32_2x3.npy"),
                               ("npz", "micro_stored.npz")] {
            let data = try Data(contentsOf: seeds.appendingPathComponent("\(target)/\(file)"))
            XCTAssertNoThrow(try FuzzEntries.run(target, data, scratch: scratch), "\(target)/\(file)")
        }
    }
}
