import ClipzCore
import XCTest

/// The one bounded zstd decoder (ClipzCore/Zstd.swift) on frames written by hand and by the writer.
final class ZstdTests: XCTestCase {
    func decode(_ frame: [UInt8], into count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0xEE, count: count)
        try out.withUnsafeMutableBytes { o in
            try Zstd.decode(stored: frame.count, into: o) { buf, at in
                frame.withUnsafeBytes { buf.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[at..<(at + buf.count)])) }
            }
        }
        return out
    }

    func message(_ body: () throws -> Any) -> String {
        do { _ = try body(); return "no error" } catch { return "\(error)" }
    }

    /// Several input chunks (3.5 MiB of frame through 1 MiB reads) decode to the original bytes.
    func testRoundTripAcrossInputChunks() throws {
        var rng = SplitMix64(seed: 5)
        let input = (0..<(4 << 20)).map { _ in UInt8(truncatingIfNeeded: rng.next() & 0x3F) }
        let frame = try input.withUnsafeBytes { try Zstd.compress($0, level: 3) }
        XCTAssertGreaterThan(frame.count, 2 * Zstd.inputChunk)
        XCTAssertEqual(try frame.withUnsafeBytes { try Zstd.declaredSize(UnsafeRawBufferPointer(rebasing: $0.prefix(Zstd.frameHeaderMax))) }, input.count)
        XCTAssertEqual(try decode(frame, into: input.count), input)
        XCTAssertEqual(try frame.withUnsafeBytes { try Zstd.decompress($0, limit: input.count) }, input)
    }

    func testFramesThatDisagreeWithTheOutputAreRefused() throws {
        XCTAssertEqual(try decode(rleFrame(count: 300_000, value: 7), into: 300_000), [UInt8](repeating: 7, count: 300_000))
        var m = message { try self.decode(rleFrame(count: 300_000), into: 200_000) }
        XCTAssertTrue(m.contains("more than the expected 200000"), m)
        // Ends (last-block flag) before its declared size: zstd's own check.
        m = message { try self.decode(rleFrame(count: 100_000, declare: 300_000), into: 300_000) }
        XCTAssertTrue(m.contains("zstd: Data corruption"), m)
        m = message { try self.decode(rleFrame(count: 1000) + [1, 2, 3], into: 1000) }
        XCTAssertTrue(m.contains("3 bytes after the end"), m)
        m = message { try self.decode(Array(rleFrame(count: 300_000).dropLast(4)), into: 300_000) }
        XCTAssertTrue(m.contains("truncated (decoded 262144 of 300000 bytes)"), m)
    }

    func testDeclaredSizeIsCheckedBeforeAllocating() throws {
        // A frame without a content size (descriptor 0x00) is refused; so is one over the limit or the ratio.
        let noSize: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x38, 0x41, 0x00, 0x00, 0x00]
        var m = message { try noSize.withUnsafeBytes { try Zstd.decompress($0, limit: 1 << 20) } }
        XCTAssertTrue(m.contains("does not declare"), m)
        m = message { try [UInt8](repeating: 1, count: 32).withUnsafeBytes { try Zstd.decompress($0, limit: 1 << 20) } }
        XCTAssertTrue(m.contains("not a zstd frame"), m)
        let big = rleFrame(count: 1 << 30)
        m = message { try big.withUnsafeBytes { try Zstd.decompress($0, limit: 1 << 20) } }
        XCTAssertTrue(m.contains("more than the limit"), m)
        let huge = rleFrame(count: 1000, declare: 1 << 40)
        m = message { try huge.withUnsafeBytes { try Zstd.decompress($0, limit: Int.max) } }
        XCTAssertTrue(m.contains("expansion"), m)
        XCTAssertEqual(Zstd.maxDecodedBytes(stored: Int.max), Int.max)
    }
}
