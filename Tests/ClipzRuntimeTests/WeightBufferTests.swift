import CClipzKernels
@testable import ClipzRuntime
import XCTest

/// Packed weights live in `WeightBuffer`s: small ones from malloc (64-byte aligned), from 4 MiB up on a
/// 2 MiB-aligned mapping that asks for huge pages (unless CLIPZ_HUGE_PAGES=0).
final class WeightBufferTests: XCTestCase {
    private func fill(_ b: WeightBuffer, seed: UInt8) {
        let p = b.pointer(to: UInt8.self)
        for i in 0..<b.bytes { p[i] = UInt8(truncatingIfNeeded: i &* 31) &+ seed }
    }

    func testAlignmentContentsAndConcatenation() throws {
        let small = try WeightBuffer(bytes: 1000, for: "small"), big = try WeightBuffer(bytes: (5 << 20) + 12345, for: "big")
        XCTAssertEqual(Int(bitPattern: small.base) % 64, 0)
        let bigAlign = clipz_weights_huge_pages() != 0 ? 2 << 20 : 64
        XCTAssertEqual(Int(bitPattern: big.base) % bigAlign, 0, "huge pages requested: \(clipz_weights_huge_pages())")
        fill(small, seed: 1); fill(big, seed: 2)
        let both = try WeightBuffer(concatenating: [small, big], for: "both")
        XCTAssertEqual(both.bytes, small.bytes + big.bytes)
        let p = both.pointer(to: UInt8.self)
        XCTAssertEqual(Array(UnsafeBufferPointer(start: p, count: small.bytes)),
                       Array(UnsafeBufferPointer(start: small.pointer(to: UInt8.self), count: small.bytes)))
        XCTAssertEqual(Array(UnsafeBufferPointer(start: p + small.bytes, count: big.bytes)),
                       Array(UnsafeBufferPointer(start: big.pointer(to: UInt8.self), count: big.bytes)))
        // The last byte of a mapping rounded up to whole pages is still writable and readable.
        big.pointer(to: UInt8.self)[big.bytes - 1] = 0xAB
        XCTAssertEqual(big.pointer(to: UInt8.self)[big.bytes - 1], 0xAB)
    }

    /// A buffer the system cannot give is an error naming the layer and the size, not a crash.
    func testImpossibleSizeThrowsOutOfMemory() {
        XCTAssertThrowsError(try WeightBuffer(bytes: Int.max / 2, for: "visual.layers.0.mlp.fc1.weight")) { error in
            XCTAssertEqual(error as? RuntimeError, .outOfMemory(layer: "visual.layers.0.mlp.fc1.weight", bytes: Int.max / 2))
            XCTAssertTrue("\(error)".contains("'visual.layers.0.mlp.fc1.weight'"), "\(error)")
        }
    }
}
