import ClipzCore
@testable import ClipzFormat
import XCTest

/// Builds hostile variants of a valid file, re-sealing checksums so that the deeper checks are reached.
enum HostileFile {
    static func rewriteHeader(_ path: String, _ edit: (String) -> String) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let pre = try Preamble.decode(bytes, path: path)
        let header = String(decoding: bytes[Int(pre.headerOffset)...], as: UTF8.self)
        let newHeader = Array(edit(header).utf8)
        bytes.removeSubrange(Int(pre.headerOffset)...)
        bytes += newHeader
        let p = Preamble(headerOffset: pre.headerOffset, headerLength: UInt64(newHeader.count),
                         headerCRC: CRC32C.checksum(newHeader), fileLength: UInt64(bytes.count))
        bytes.replaceSubrange(0..<64, with: p.encode())
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}

final class HostileFileTests: XCTestCase {
    var dir = ""
    var path = ""
    var original: [UInt8] = []
    var tensors: [Tensor] = []

    override func setUpWithError() throws {
        dir = try makeTempDir()
        path = dir + "/small.clipz"
        tensors = [try Tensor(name: "w", shape: [4, 8], floats: (0..<32).map { Float($0) * 0.01 }),
                   try Tensor(name: "s", shape: [], floats: [4.6]),
                   try Tensor(name: "ids", dtype: .i32, shape: [3], bytes: [1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0])]
        try ClipzWriter.write(ModelSource(metadata: tinyMetadata(), tensors: tensors.map(TensorSource.init)), to: path)
        original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    /// Opens and loads everything; returns the error, or nil when the file read back identical tensors.
    func readAll(_ bytes: [UInt8]) throws -> Error? {
        let p = dir + "/mutant.clipz"
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        do {
            let f = try ClipzFile(path: p, checksConfig: false)
            for t in tensors { let back = try f.tensor(t.name); XCTAssertEqual(back, t, "silently wrong data for \(t.name)") }
            return nil
        } catch let e as FormatError { return e }
    }

    func testBadMagic() throws {
        var b = original; b[1] = UInt8(ascii: "X")
        let e = try readAll(b)
        XCTAssertEqual(e as? FormatError, .notClipz(path: dir + "/mutant.clipz"))
        XCTAssertNotNil(try readAll(Array("PK\u{3}\u{4} not a clipz file at all, just text ......................................".utf8)))
    }

    func testTruncationAtEveryOffsetIsATypedError() throws {
        for n in 0..<original.count {
            XCTAssertNotNil(try readAll(Array(original[0..<n])), "truncated at \(n) accepted")
        }
        XCTAssertNotNil(try readAll(original + [0]), "appended byte accepted")
    }

    func testEveryByteFlipIsDetectedOrHarmless() throws {
        var detected = 0
        for i in 0..<original.count {
            var b = original; b[i] ^= 0x5A
            if try readAll(b) != nil { detected += 1 }
        }
        // Only zero padding between payloads may change without an error; tensors stayed correct (checked in readAll).
        let padding = original.count - detected
        XCTAssertLessThan(padding, 3 * 64, "flips detected: \(detected) of \(original.count)")
    }

    func testHugeDimensionsRejectedBeforeAllocation() throws {
        try HostileFile.rewriteHeader(path) { $0.replacingOccurrences(of: "\"shape\":[4,8]", with: "\"shape\":[2147483647,2147483647,2147483647]") }
        XCTAssertThrowsError(try ClipzFile(path: path, checksConfig: false)) { XCTAssertTrue("\($0)".contains("'w'"), "\($0)") }
    }

    func testHugeRawBytesWithTinyPayloadRejected() throws {
        try HostileFile.rewriteHeader(path) {
            $0.replacingOccurrences(of: "\"raw_bytes\":128", with: "\"raw_bytes\":17179869184").replacingOccurrences(of: "\"shape\":[4,8]", with: "\"shape\":[65536,65536]")
        }
        XCTAssertThrowsError(try ClipzFile(path: path, checksConfig: false)) { XCTAssertTrue($0 is FormatError, "\($0)") }
    }

    func testOverlappingPayloadsRejected() throws {
        let f = try ClipzFile(path: path, checksConfig: false)
        let w = f.entry(named: "w")!, ids = f.entry(named: "ids")!
        try HostileFile.rewriteHeader(path) { $0.replacingOccurrences(of: "\"offset\":\(ids.offset)", with: "\"offset\":\(w.offset)") }
        XCTAssertThrowsError(try ClipzFile(path: path, checksConfig: false)) { XCTAssertTrue("\($0)".contains("overlap"), "\($0)") }
    }

    func testTooManyTensorsAndBadJSONRejected() throws {
        try HostileFile.rewriteHeader(path) { _ in "{\"format\":\"clipz\"" }
        XCTAssertThrowsError(try ClipzFile(path: path, checksConfig: false)) { XCTAssertTrue("\($0)".contains("header JSON"), "\($0)") }
        try Data(original).write(to: URL(fileURLWithPath: path))
        let many = String(repeating: "{\"name\":\"x\",\"dtype\":\"f32\",\"shape\":[],\"encoding\":\"raw\",\"offset\":64,\"stored_bytes\":0,\"raw_bytes\":0,\"crc32c\":0},", count: 70_000)
        try HostileFile.rewriteHeader(path) { h in
            guard let meta = h.range(of: "\"tensors\":[") else { return h }
            return String(h[..<meta.upperBound]) + many + String(h[meta.upperBound...])
        }
        XCTAssertThrowsError(try ClipzFile(path: path, checksConfig: false)) { XCTAssertTrue("\($0)".contains("tensor count"), "\($0)") }
    }

    func testNewerMinorOpensNewerMajorRefused() throws {
        var b = original
        b[10] = 7 // minor 7
        b.replaceSubrange(60..<64, with: withUnsafeBytes(of: CRC32C.checksum(Array(b[0..<60])).littleEndian, Array.init))
        XCTAssertNil(try readAll(b))
        b[8] = 2 // major 2
        b.replaceSubrange(60..<64, with: withUnsafeBytes(of: CRC32C.checksum(Array(b[0..<60])).littleEndian, Array.init))
        XCTAssertEqual(try readAll(b) as? FormatError, .unsupportedVersion(path: dir + "/mutant.clipz", major: 2, minor: 7))
    }
}
