import ClipzCore
@testable import ClipzFormat
import Foundation
import XCTest

/// Issue 12's forged `.clipz` through the command line, and the fuzzer's `.clipz` mutator.
final class HostileForgedClipzTests: XCTestCase {
    /// A hand-written zstd frame of `count` zero bytes as RLE blocks (4 stored bytes per 128 KiB).
    static func rleFrame(count: Int) -> [UInt8] {
        var f: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD, 0xC0, 0x38]
        withUnsafeBytes(of: UInt64(count).littleEndian) { f += $0 }
        var left = count
        repeat {
            let n = min(left, 131_072)
            left -= n
            let header = UInt32(n) << 3 | 1 << 1 | (left == 0 ? 1 : 0)
            f += [UInt8(header & 0xFF), UInt8(header >> 8 & 0xFF), UInt8(header >> 16 & 0xFF), 0]
        } while left > 0
        return f
    }

    /// The micro model plus one u8 [2^31−1, 8] tensor (16 GiB) stored as a 512 KiB zstd frame,
    /// checksums re-sealed: every cap of the old reader passed, and loading it allocated 16 GiB
    /// (SIGABRT under the 256 MiB cap, `.tmp-` files left behind).
    func forged(in dir: URL) throws -> String {
        var file = [UInt8](try Data(contentsOf: CLI.seeds.appendingPathComponent("clipz/micro.clipz")))
        let pre = try Preamble.decode(file, path: "micro.clipz")
        let header = String(decoding: file[Int(pre.headerOffset)...], as: UTF8.self)
        file.removeSubrange(Int(pre.headerOffset)...)
        let offset = file.count, n = Int(Int32.max) * 8
        let frame = Self.rleFrame(count: n)
        file += frame
        while file.count % 64 != 0 { file.append(0) }
        let entry = "{\"crc32c\":0,\"dtype\":\"u8\",\"encoding\":\"zstd\",\"name\":\"extra.blob\",\"offset\":\(offset),"
            + "\"raw_bytes\":\(n),\"shape\":[\(Int32.max),8],\"stored_bytes\":\(frame.count)}"
        let edited = header.replacingOccurrences(of: "\"tensors\":[", with: "\"tensors\":[\(entry),")
        let bytes = try XCTUnwrap(FuzzEntries.mutateClipzHeader(file + Array(header.utf8)) { $0 = Array(edited.utf8) })
        let path = dir.appendingPathComponent("forged.clipz").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testForgedSixteenGiBTensorIsRefusedByEveryCommandWithoutLeftovers() throws {
        let dir = try CLI.tempDir(self)
        let path = try forged(in: dir)
        let out = dir.appendingPathComponent("out").path
        for args in [["inspect", "--verify", path], ["quantize", path, "-o", out + ".clipz", "--type", "int8"],
                     ["embed", path, "--text", "a cat", "-o", out + ".npy"]] {
            let r = try CLI.run(args)
            XCTAssertFalse(r.signaled, "\(args[0]) died: \(r.stderr.suffix(300))")
            XCTAssertEqual(r.status, 1, "\(args[0]): \(r.stderr.suffix(300))")
            XCTAssertTrue(r.stderr.contains("forged.clipz") && r.stderr.contains("'extra.blob'"), "\(args[0]): \(r.stderr)")
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        XCTAssertEqual(left, ["forged.clipz"], "leftovers: \(left)")
    }

    /// The mutator re-seals what it edits: an identity edit is byte-identical, and an edited number
    /// is refused (or accepted) by validation, never by the header checksum.
    func testClipzMutatorReachesValidationPastTheChecksums() throws {
        let seed = [UInt8](try Data(contentsOf: CLI.seeds.appendingPathComponent("clipz/micro.clipz")))
        XCTAssertEqual(FuzzEntries.mutateClipzHeader(seed) { _ in }, seed)
        XCTAssertNil(FuzzEntries.mutateClipzHeader(Array(seed.dropFirst())) { _ in })
        let scratch = try CLI.tempDir(self).path
        var outcomes: [String: Int] = [:]
        for pick in 0..<64 as Range<UInt64> {
            let mutant = try XCTUnwrap(FuzzEntries.mutateClipzHeader(seed) { FuzzEntries.tweakNumber(&$0, pick: pick) })
            XCTAssertNotEqual(mutant, seed)
            do {
                try FuzzEntries.run("clipz", Data(mutant), scratch: scratch)
                outcomes["accepted", default: 0] += 1
            } catch {
                XCTAssertFalse("\(error)".contains("checksum mismatch in header") || "\(error)".contains("preamble"), "\(error)")
                outcomes["refused", default: 0] += 1
            }
        }
        XCTAssertGreaterThan(outcomes["refused"] ?? 0, 10, "\(outcomes)")
    }
}
