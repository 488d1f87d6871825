import ClipzCore
@testable import ClipzFormat
import XCTest

/// Hostile single-tower headers: a config with neither tower, or one that drops a tower whose tensors
/// the file still holds, is refused at open with the file named (no crash, nothing run).
final class SingleTowerHeaderTests: XCTestCase {
    func open(removing keys: [String]) throws -> String {
        let dir = try makeTempDir()
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/m.clipz"
        try ClipzWriter.write(SyntheticModel.make(config: SyntheticModel.tinyConfig()), to: path)
        try HostileFile.rewriteHeader(path) { header in
            var j = try! JSONSerialization.jsonObject(with: Data(header.utf8)) as! [String: Any]
            var meta = j["metadata"] as! [String: Any], config = meta["config"] as! [String: Any]
            for k in keys { config.removeValue(forKey: k) }
            meta["config"] = config; j["metadata"] = meta
            return String(decoding: try! JSONSerialization.data(withJSONObject: j, options: [.sortedKeys]), as: UTF8.self)
        }
        do { _ = try ClipzFile(path: path); return "opened" } catch { return "\(error)" }
    }

    func testNeitherTowerOrAnUnaccountedTowerIsRefused() throws {
        let neither = try open(removing: ["vision", "text"])
        XCTAssertTrue(neither.contains("m.clipz") && neither.contains("neither a vision nor a text tower"), neither)
        let dropped = try open(removing: ["text"])
        XCTAssertTrue(dropped.contains("m.clipz") && dropped.contains("text.") && dropped.contains("no text tower"), dropped)
    }
}
