import ClipzCore
import ClipzImport
@testable import ClipzInputs
import Foundation
import XCTest

/// Image folders, dataset scanning, `.npy` inputs and the incremental `.npy` writer.
final class InputFilesTests: XCTestCase {
    func tempDir() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("clipz-inputs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    func touch(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: path, contents: Data([0]))
    }

    func testOneWalkFlatAndRecursiveSortedSkippingHiddenAndLinkCycles() throws {
        let d = try tempDir()
        for f in ["b.PNG", "a.jpg", ".hidden.png", "notes.txt", "sub/c.jpeg", "sub/deeper/d.png", ".git/e.png", "z_sub/f.png"] {
            try touch(d + "/" + f)
        }
        try FileManager.default.createSymbolicLink(atPath: d + "/sub/loop", withDestinationPath: d)
        XCTAssertEqual(try ImageFolder.files(in: d), [d + "/a.jpg", d + "/b.PNG"])
        XCTAssertEqual(try ImageFolder.files(in: d, recursive: true),
                       [d + "/a.jpg", d + "/b.PNG", d + "/sub/c.jpeg", d + "/sub/deeper/d.png", d + "/z_sub/f.png"])
        XCTAssertThrowsError(try ImageFolder.files(in: d, recursive: true, limit: 3)) {
            XCTAssertEqual($0 as? InputError, .tooMany(path: d, what: "images", limit: 3))
        }
        try touch(d + "/nothing/readme.txt")
        XCTAssertThrowsError(try ImageFolder.files(in: d + "/nothing", recursive: true)) {
            XCTAssertEqual("\($0)", "\(d)/nothing: no .png/.jpg images (searched recursively)")
        }
        XCTAssertThrowsError(try ImageFolder.files(in: d + "/missing")) {
            XCTAssertEqual($0 as? InputError, .unreadable(path: d + "/missing", reason: "cannot list the folder"))
        }
    }

    func testDatasetClassesInNameOrderWithUnderscoresAsSpaces() throws {
        let d = try tempDir()
        for f in ["tabby_cat/2.png", "tabby_cat/1.png", "dog/x.jpg", "empty/readme.md", "loose.png"] { try touch(d + "/" + f) }
        let ds = try ImageDataset.scan(d)
        XCTAssertEqual(ds.classes, ["dog", "tabby cat"])
        XCTAssertEqual(ds.images.map(\.path), [d + "/dog/x.jpg", d + "/tabby_cat/1.png", d + "/tabby_cat/2.png"])
        XCTAssertEqual(ds.images.map(\.label), [0, 1, 1])
        XCTAssertThrowsError(try ImageDataset.scan(d + "/dog")) { XCTAssertTrue("\($0)".hasPrefix(d + "/dog: no dataset"), "\($0)") }
    }

    func testNpyRowWriterFixesTheRowCountAndRenamesAtTheEnd() throws {
        let d = try tempDir(), path = d + "/e.npy"
        let w = try NpyRowWriter(path: path, width: 3, inputs: [], force: false)
        try w.append([1, 2, 3, 4, 5, 6])
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "nothing under the final name before finish()")
        try w.append([])
        try w.append([7, 8, 9])
        XCTAssertThrowsError(try w.append([1, 2]))
        try w.finish()
        let t = try NumpyFiles.readNPY(path)
        XCTAssertEqual(t.shape, [3, 3])
        XCTAssertEqual(t.floats(), [1, 2, 3, 4, 5, 6, 7, 8, 9])
        let bytes = try XCTUnwrap(FileManager.default.contents(atPath: path))
        XCTAssertEqual(bytes.count, 128 + 36, "header reserved at 128 bytes")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: d), ["e.npy"], "no temporary file left")
        XCTAssertThrowsError(try NpyRowWriter(path: path, width: 3, inputs: [], force: false))
    }

    func testNpyRowWriterDroppedWithoutFinishLeavesNothing() throws {
        let d = try tempDir(), path = d + "/e.npy"
        do {
            let w = try NpyRowWriter(path: path, width: 2, inputs: [], force: false)
            try w.append([1, 2])
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: d), [])
    }

    func testNpyInputsNameTheFileAndTrimTokenPadding() throws {
        let d = try tempDir()
        let px = d + "/px.npy", tok = d + "/tok.npy", long = d + "/long.npy"
        try NumpyFiles.writeNPY(try Tensor(name: "x", shape: [2, 3, 4, 5], floats: [Float](repeating: 0, count: 120)), to: px)
        XCTAssertThrowsError(try NpyInputs.pixels(px, imageSize: 4)) {
            XCTAssertEqual($0 as? InputError, .badArray(path: px, expected: "float32 [N, 3, 4, 4]", got: "f32 [2, 3, 4, 5]"))
        }
        let ids: [Int32] = [1, 5, 2, 0, 0, 0, 1, 2, 0, 0, 0, 0]
        try NumpyFiles.writeNPY(try Tensor(name: "t", dtype: .i32, shape: [2, 6], bytes: ids.withUnsafeBytes { Array($0) }), to: tok)
        XCTAssertEqual(try NpyInputs.tokens(tok, contextLength: 4), [[1, 5, 2, 0], [1, 2, 0, 0]])
        let over: [Int32] = [1, 5, 6, 7, 2, 0]
        try NumpyFiles.writeNPY(try Tensor(name: "t", dtype: .i32, shape: [1, 6], bytes: over.withUnsafeBytes { Array($0) }), to: long)
        XCTAssertThrowsError(try NpyInputs.tokens(long, contextLength: 4)) {
            XCTAssertEqual($0 as? InputError, .rowTooLong(path: long, row: 0, tokens: 5, context: 4))
        }
    }

    func testSyntheticTokensFixedLengthEndOnThePooledToken() {
        let cfg = SyntheticModel.vitB32Config().text!
        let rows = SyntheticInputs.tokens(count: 3, config: cfg, length: .fixed(16), start: 49406, seed: 5)
        XCTAssertEqual(rows.map(\.count), [16, 16, 16])
        for r in rows {
            XCTAssertEqual(r.first, 49406)
            XCTAssertEqual(r.last, 49407)
            XCTAssertEqual(r.max(), 49407, "argmax pooling picks the last token")
        }
        XCTAssertEqual(rows, SyntheticInputs.tokens(count: 3, config: cfg, length: .fixed(16), start: 49406, seed: 5))
        XCTAssertNotEqual(rows, SyntheticInputs.tokens(count: 3, config: cfg, length: .fixed(16), start: 49406, seed: 6))
        XCTAssertEqual(SyntheticInputs.tokens(count: 1, config: cfg, length: .fixed(500))[0].count, 77, "capped at the context")
    }
}
