import Foundation
import XCTest
@testable import ClipzImage

/// Truncated, corrupted and absurd inputs must give typed errors, never a crash.
final class HostileTests: XCTestCase {
    private func expectError(_ data: Data, _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try ImageDecoder.decode(data: data, name: label)
            XCTFail("\(label): decoded without error", file: file, line: line)
        } catch let e as ImageError {
            XCTAssertTrue(e.description.contains(label), "\(e) does not name \(label)", file: file, line: line)
        } catch {
            XCTFail("\(label): untyped error \(error)", file: file, line: line)
        }
    }

    func testTruncatedFiles() throws {
        for name in ["rgb_97x61.png", "interlaced_150x100.png", "rgb16_120x90.png", "baseline_320x240.jpg",
                     "progressive_200x300.jpg", "cmyk_96x64.jpg"] {
            let data = try Data(contentsOf: Fixtures.url(name))
            let trailer = name.hasSuffix(".png") ? 12 : 2  // IEND / EOI carry no pixels
            for cut in [3, 8, 20, 33, 100, data.count / 3, data.count / 2, data.count - trailer - 40] where cut < data.count {
                expectError(data.prefix(cut), "\(name)[..<\(cut)]")
            }
        }
    }

    func testGarbageAndFlippedBytes() throws {
        expectError(Data(), "empty")
        expectError(Data("hello, not an image".utf8), "text")
        var rng = SystemRandomNumberGenerator()
        let pngSig: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        for i in 0..<20 {
            let tail = (0..<(i * 37 + 5)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            expectError(Data(pngSig + tail), "png-garbage-\(i)")
            expectError(Data([0xFF, 0xD8, 0xFF] + tail), "jpeg-garbage-\(i)")
        }
        // Corrupt bytes in the middle of real files: either a typed error or a valid image.
        for name in ["rgb_97x61.png", "baseline_320x240.jpg"] {
            let original = try Data(contentsOf: Fixtures.url(name))
            for k in 0..<30 {
                var data = original
                let at = 2 + (k * 7919) % (data.count - 2)
                data[data.startIndex + at] ^= 0x5A
                do {
                    let image = try ImageDecoder.decode(data: data, name: name)
                    XCTAssertEqual(image.pixels.count, image.width * image.height * 3)
                } catch is ImageError {
                } catch { XCTFail("\(name): untyped error \(error)") }
            }
        }
    }

    /// Headers declaring absurd sizes are rejected before any pixel allocation.
    func testOversizedHeaders() throws {
        var png = try Data(contentsOf: Fixtures.url("rgb_97x61.png"))
        // IHDR width at bytes 16..<20 (big-endian); the CRC is now wrong, so either error is fine
        // but it must be typed. Patch the CRC too so the size check itself is reached.
        png.replaceSubrange(16..<20, with: [0x00, 0x00, 0x50, 0x00])  // 20480 > 16384
        let crc = crc32(Array(png[12..<29]))
        png.replaceSubrange(29..<33, with: withUnsafeBytes(of: crc.bigEndian) { Array($0) })
        XCTAssertThrowsError(try ImageDecoder.decode(data: png, name: "wide.png")) { error in
            guard case ImageError.tooLarge = error else { return XCTFail("\(error)") }
        }
        var jpg = try Data(contentsOf: Fixtures.url("baseline_320x240.jpg"))
        // Find the SOF0/SOF2 marker and set height and width to 60000.
        let bytes = [UInt8](jpg)
        guard let sof = (2..<bytes.count - 9).first(where: { bytes[$0] == 0xFF && (bytes[$0 + 1] == 0xC0 || bytes[$0 + 1] == 0xC2) }) else {
            return XCTFail("no SOF")
        }
        jpg.replaceSubrange((sof + 5)..<(sof + 9), with: [0xEA, 0x60, 0xEA, 0x60])
        XCTAssertThrowsError(try ImageDecoder.decode(data: jpg, name: "huge.jpg")) { error in
            guard case ImageError.tooLarge = error else { return XCTFail("\(error)") }
        }
    }

    func testMissingFileIsUnreadable() {
        XCTAssertThrowsError(try ImageDecoder.decode(path: "/nonexistent/x.png")) { error in
            guard case ImageError.unreadable(let f, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(f, "/nonexistent/x.png")
        }
    }

    private func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = (c >> 1) ^ (0xEDB8_8320 & (0 &- (c & 1))) }
        }
        return ~c
    }
}
