import ClipzCore
import Foundation
import XCTest
@testable import ClipzImage

/// Decoded pixels against Pillow's Image.open(p).convert("RGB") (see Tools/make_image_goldens.py).
final class DecodeTests: XCTestCase {
    private func sha256(_ bytes: [UInt8]) -> String {
        var h = SHA256()
        h.update(bytes)
        return h.finalizeHex()
    }

    func testPNGsMatchPillowExactly() throws {
        let manifest = try Fixtures.manifest()
        let pngs = manifest.images.keys.filter { $0.hasSuffix(".png") }.sorted()
        XCTAssertGreaterThanOrEqual(pngs.count, 10)
        for name in pngs {
            let entry = manifest.images[name]!
            let image = try ImageDecoder.decode(path: Fixtures.path(name))
            XCTAssertEqual(image.width, entry.width, name)
            XCTAssertEqual(image.height, entry.height, name)
            XCTAssertEqual(sha256(image.pixels), entry.sha256, "\(name) (Pillow mode \(entry.mode)) differs from Pillow")
        }
    }

    func testJPEGsAgainstPillow() throws {
        let manifest = try Fixtures.manifest()
        for name in manifest.images.keys.filter({ $0.hasSuffix(".jpg") }).sorted() {
            let entry = manifest.images[name]!
            let image = try ImageDecoder.decode(path: Fixtures.path(name))
            let golden = try Npy(Fixtures.url(entry.decoded!))
            XCTAssertEqual(golden.shape, [entry.height, entry.width, 3])
            XCTAssertEqual(image.width, entry.width, name)
            XCTAssertEqual(image.height, entry.height, name)
            let ref = golden.bytes
            guard ref.count == image.pixels.count else { XCTFail(name); continue }
            var maxDiff = 0, sum = 0, differing = 0
            for i in 0..<ref.count {
                let d = abs(Int(ref[i]) - Int(image.pixels[i]))
                maxDiff = max(maxDiff, d); sum += d; differing += d > 0 ? 1 : 0
            }
            let mean = Double(sum) / Double(ref.count)
            print("JPEG decode \(name) (\(entry.mode)): max |diff| \(maxDiff), mean \(mean), \(differing)/\(ref.count) bytes differ")
            // libjpeg-turbo 2.1 (Debian) vs the one bundled in Pillow: same IDCT, so tiny or no differences.
            XCTAssertLessThanOrEqual(maxDiff, 4, name)
            XCTAssertLessThanOrEqual(mean, 0.1, name)
        }
    }

    func testSniffing() {
        XCTAssertEqual(ImageDecoder.sniff(Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0])), .png)
        XCTAssertEqual(ImageDecoder.sniff(Data([0xFF, 0xD8, 0xFF, 0xE0])), .jpeg)
        XCTAssertNil(ImageDecoder.sniff(Data("GIF89a".utf8)))
        XCTAssertNil(ImageDecoder.sniff(Data()))
    }

    func testGreyIsReplicatedAndAlphaDropped() throws {
        let gray = try ImageDecoder.decode(path: Fixtures.path("gray_180x120.png"))
        for i in stride(from: 0, to: gray.pixels.count, by: 3 * 97) {
            XCTAssertEqual(gray.pixels[i], gray.pixels[i + 1])
            XCTAssertEqual(gray.pixels[i], gray.pixels[i + 2])
        }
        // The left column of the RGBA fixture has alpha 0: compositing would make it black/white.
        let rgba = try ImageDecoder.decode(path: Fixtures.path("rgba_200x150.png"))
        XCTAssertTrue(rgba.pixels[0..<3].contains { $0 != 0 && $0 != 255 })
    }

    func testRGBImageInitValidates() {
        XCTAssertThrowsError(try RGBImage(width: 2, height: 2, pixels: [UInt8](repeating: 0, count: 11)))
        XCTAssertThrowsError(try RGBImage(width: 0, height: 2, pixels: []))
        XCTAssertNoThrow(try RGBImage(width: 2, height: 2, pixels: [UInt8](repeating: 0, count: 12)))
    }
}
