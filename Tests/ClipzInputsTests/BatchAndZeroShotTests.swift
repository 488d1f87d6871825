import ClipzCore
@testable import ClipzInputs
import ClipzRuntime
import Foundation
import XCTest

/// Streaming batches and the zero-shot maths every command shares.
final class BatchAndZeroShotTests: XCTestCase {
    func testTextStreamBatchesKeepEveryLineInOrder() throws {
        let model = try CLIPModel(source: SyntheticModel.make(config: SyntheticModel.tinyConfig()))
        let texts = (0..<70).map { $0 == 5 ? "" : "a photo of thing \($0)" }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("clipz-batches-\(UUID().uuidString).txt").path
        try Data((texts.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let batches = try InputBatches(.texts, items: .lines(try TextLines(path: path)), model: model, batchSize: 32)
        XCTAssertNil(batches.total)
        var sizes: [Int] = [], rows: [[Int]] = []
        while let b = try batches.next() {
            guard case .tokens(let t) = b else { return XCTFail("expected tokens") }
            sizes.append(t.count)
            rows += t
        }
        XCTAssertEqual(sizes, [32, 32, 6])
        XCTAssertEqual(rows, try model.tokenize(texts), "same ids as tokenizing the list at once, the empty line included")
        XCTAssertEqual(rows[5].prefix(2), [49406, 49407])
        XCTAssertThrowsError(try InputBatches(.texts, items: .list([]), model: model, batchSize: 0))
    }

    func testZeroShotMathsOnKnownValues() {
        // Images (1,0), (0,2), (1,1); prompts (3,0), (0,-1), (0,5): cosines are exact.
        let images: [Float] = [1, 0, 0, 2, 1, 1], prompts: [Float] = [3, 0, 0, -1, 0, 5]
        let l = ZeroShot.logits(images: images, texts: prompts, width: 2, scale: 100)
        let r = Float(0.5).squareRoot() * 100
        XCTAssertEqual(l.count, 9)
        for (a, b) in zip(l, [100, 0, 0, 0, -100, 100, r, -r, r]) { XCTAssertEqual(a, b, accuracy: 1e-4) }
        XCTAssertEqual(ZeroShot.predictions(images: images, prompts: prompts, width: 2), [0, 2, 0], "ties go to the first class")
        XCTAssertEqual(ZeroShot.accuracy([0, 2, 0], [0, 2, 2]), 2.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(ZeroShot.accuracy([], []), 0)
        var z: [Float] = [0, 0, 3, 4]
        ZeroShot.normalizeRows(&z, width: 2)
        XCTAssertEqual(z, [0, 0, 0.6, 0.8])
    }
}
