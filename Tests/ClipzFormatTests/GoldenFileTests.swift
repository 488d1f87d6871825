import ClipzCore
@testable import ClipzFormat
import XCTest

/// The committed golden files (see Fixtures/README.md for the commands that made them): `golden-tiny`
/// from the first writer (zstd level 3 for every payload), `writer-tiny` from the current one.
final class GoldenFileTests: XCTestCase {
    let golden = Bundle.module.path(forResource: "golden-tiny", ofType: "clipz", inDirectory: "Fixtures")!
    let written = Bundle.module.path(forResource: "writer-tiny", ofType: "clipz", inDirectory: "Fixtures")!

    func testGoldenOpensAndMatchesTheSyntheticModel() throws {
        try checkMatchesSyntheticModel(golden)
        try checkMatchesSyntheticModel(written)
    }

    func checkMatchesSyntheticModel(_ path: String) throws {
        let f = try ClipzFile(path: path)
        XCTAssertEqual(f.versionMajor, 1)
        XCTAssertEqual(f.metadata.config, SyntheticModel.tinyConfig())
        let model = SyntheticModel.make(config: SyntheticModel.tinyConfig(), seed: 1)
        XCTAssertEqual(f.tensorNames, model.tensors.map(\.name))
        for t in model.tensors {
            let expected = try t.load()
            XCTAssertEqual(try f.tensor(t.name), expected, t.name)
            XCTAssertEqual(try f.floats(t.name), expected.floats(), t.name)
        }
    }

    func testWriterIsDeterministic() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/again.clipz"
        try ClipzWriter.write(SyntheticModel.make(config: SyntheticModel.tinyConfig(), seed: 1), to: out)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out)), try Data(contentsOf: URL(fileURLWithPath: written)))
    }
}
