import ClipzCore
import Foundation
import XCTest
@testable import ClipzImport

/// Issue 12, class 7: a raw-dump manifest is sized and counted before JSONSerialization builds its
/// tree (a 16 MB manifest peaked at 868 MB before its tensor count was refused).
final class ManifestCapTests: XCTestCase {
    func refusal(_ manifest: String) throws -> String {
        let dir = try makeTempDir("manifest")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write([UInt8](repeating: 0, count: 16), dir + "/w.bin")
        try write(Array(manifest.utf8), dir + "/manifest.json")
        do { _ = try RawDumpReader.read(folder: dir); return "accepted" } catch { return "\(error)" }
    }

    func manifest(entries: Int, shape: String = "[1]") -> String {
        let list = (0..<entries).map { #"{"name":"t\#($0)","dtype":"u8","shape":\#(shape),"file":"w.bin","offset":\#($0)}"# }
        return #"{"format":"clipz-raw-dump","version":1,"tensors":["# + list.joined(separator: ",") + "]}"
    }

    func testTooManyEntriesAreRefusedBeforeParsing() throws {
        XCTAssertEqual(try refusal(manifest(entries: 3)), "accepted")
        let m = try refusal(manifest(entries: RawDumpReader.manifestTensors + 65))
        XCTAssertTrue(m.contains("entry count (counted before parsing) is 16449"), m)
    }

    func testOversizedManifestIsRefusedUnread() throws {
        let big = manifest(entries: 2, shape: "[" + String(repeating: "1,", count: 2_200_000) + "1]")
        XCTAssertGreaterThan(big.utf8.count, RawDumpReader.manifestBytes)
        let m = try refusal(big)
        XCTAssertTrue(m.contains("JSON file size is \(big.utf8.count), above the limit \(4 << 20)"), m)
    }

    func testValuesPerEntryAndDepthAreCapped() throws {
        let wide = manifest(entries: 2, shape: "[" + String(repeating: "1,", count: 3000) + "1]")
        var m = try refusal(wide)
        XCTAssertTrue(m.contains("JSON values (counted before parsing)"), m)
        let deep = #"{"format":"clipz-raw-dump","version":1,"x":"# + String(repeating: "[", count: 40) + String(repeating: "]", count: 40) + #","tensors":[]}"#
        m = try refusal(deep)
        XCTAssertTrue(m.contains("JSON nesting depth (counted before parsing) is 41"), m)
    }
}
