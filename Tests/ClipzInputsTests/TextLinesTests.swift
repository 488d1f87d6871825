@testable import ClipzInputs
import Foundation
import XCTest

/// The one texts/list reader: line endings, byte-order mark, UTF-8 errors with line numbers, caps.
final class TextLinesTests: XCTestCase {
    func file(_ bytes: [UInt8], _ name: String = "texts.txt") throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("clipz-inputs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func lines(_ path: String, maxLineBytes: Int = TextLines.defaultMaxLineBytes) throws -> [String] {
        let r = try TextLines(path: path, maxLineBytes: maxLineBytes)
        var out: [String] = []
        while let l = try r.next() { out.append(l) }
        return out
    }

    func testLineEndingsBOMAndEmptyLines() throws {
        let p = try file([0xEF, 0xBB, 0xBF] + Array("a cat\r\n\nné dog\nlast".utf8))
        XCTAssertEqual(try lines(p), ["a cat", "", "né dog", "last"])
        XCTAssertEqual(try lines(try file(Array("one\ntwo\n".utf8))), ["one", "two"])
        XCTAssertEqual(try lines(try file([])), [])
    }

    func testLinesLongerThanOneReadChunk() throws {
        let long = String(repeating: "x", count: 200_000)
        XCTAssertEqual(try lines(try file(Array("\(long)\nshort\n\(long)".utf8))), [long, "short", long])
    }

    func testInvalidUTF8NamesTheFileAndLine() throws {
        let p = try file(Array("fine\nalso fine\n".utf8) + [0x61, 0xC3, 0x28, 0x0A] + Array("after\n".utf8))
        XCTAssertThrowsError(try lines(p)) { e in
            XCTAssertEqual(e as? InputError, .invalidUTF8(path: p, line: 3))
            XCTAssertEqual("\(e)", "\(p): line 3 is not valid UTF-8; save the file as UTF-8")
        }
    }

    func testLineTooLongNamesTheLine() throws {
        let p = try file(Array("ok\n\(String(repeating: "y", count: 100))\n".utf8))
        XCTAssertThrowsError(try lines(p, maxLineBytes: 50)) { XCTAssertEqual($0 as? InputError, .lineTooLong(path: p, line: 2, limit: 50)) }
        // A long line without a newline at the end is caught before it is buffered whole.
        let q = try file(Array(String(repeating: "z", count: 300_000).utf8))
        XCTAssertThrowsError(try lines(q, maxLineBytes: 1000)) { XCTAssertEqual($0 as? InputError, .lineTooLong(path: q, line: 1, limit: 1000)) }
    }

    func testMissingFileAndFolderAreNamed() throws {
        XCTAssertThrowsError(try TextLines(path: "/nonexistent/texts.txt")) { e in
            guard case .unreadable(let p, _)? = e as? InputError else { return XCTFail("\(e)") }
            XCTAssertEqual(p, "/nonexistent/texts.txt")
        }
        XCTAssertThrowsError(try TextLines(path: FileManager.default.temporaryDirectory.path)) { e in
            XCTAssertTrue("\(e)".contains("it is a folder"), "\(e)")
        }
    }

    func testTextsFileSkipsBlankLinesAndEnforcesCaps() throws {
        let p = try file(Array("a\n  \n\tb\n\nc\n".utf8))
        XCTAssertEqual(try TextsFile.read(p), ["a", "\tb", "c"])
        XCTAssertThrowsError(try TextsFile.read(p, maxTexts: 2)) { XCTAssertEqual($0 as? InputError, .tooMany(path: p, what: "texts", limit: 2)) }
        XCTAssertThrowsError(try TextsFile.read(p, maxBytes: 4)) { XCTAssertEqual($0 as? InputError, .fileTooLarge(path: p, limit: 4)) }
        let blank = try file(Array(" \n\n".utf8))
        XCTAssertThrowsError(try TextsFile.read(blank)) { XCTAssertEqual($0 as? InputError, .empty(path: blank, what: "texts (one per line)")) }
        let bad = try file(Array("x\n".utf8) + [0xFF, 0x0A])
        XCTAssertThrowsError(try TextsFile.read(bad)) { XCTAssertEqual($0 as? InputError, .invalidUTF8(path: bad, line: 2)) }
    }
}
