import Foundation
import XCTest

/// NaN/Inf weights: `clipz convert` warns and names the tensors; `--strict` refuses and leaves no output.
final class HostileNaNTests: XCTestCase {
    var dump: URL { CLI.seeds.appendingPathComponent("_micro_dump") }

    /// Copies the micro raw dump and overwrites the float at `byte` of weights.bin with `value`.
    func poisonedDump(_ values: [(Int, Float)]) throws -> URL {
        let dir = try CLI.tempDir(self).appendingPathComponent("dump")
        try FileManager.default.copyItem(at: dump, to: dir)
        let bin = dir.appendingPathComponent("weights.bin")
        var bytes = try Data(contentsOf: bin)
        for (at, v) in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.replaceSubrange(at..<(at + 4), with: $0) } }
        try bytes.write(to: bin)
        return dir
    }

    /// Byte offset of tensor `name` in the manifest.
    func offset(of name: String) throws -> Int {
        let m = try JSONSerialization.jsonObject(with: Data(contentsOf: dump.appendingPathComponent("manifest.json"))) as? [String: Any]
        let e = (m?["tensors"] as? [[String: Any]])?.first { $0["name"] as? String == name }
        return try XCTUnwrap(e?["offset"] as? Int)
    }

    func testRawDumpNaNWarnsAndStrictRefuses() throws {
        let nanAt = try offset(of: "vision.patch_embed.weight") + 8
        let infAt = try offset(of: "text.token_embed")
        let dir = try poisonedDump([(nanAt, .nan), (infAt, -.infinity)])
        let out = dir.deletingLastPathComponent().appendingPathComponent("out.clipz").path

        let lax = try CLI.run(["convert", dir.path, "-o", out])
        XCTAssertEqual(lax.status, 0, lax.stderr)
        XCTAssertTrue(lax.stderr.contains("NaN or Inf values in 2 tensors"), lax.stderr)
        XCTAssertTrue(lax.stderr.contains("vision.patch_embed.weight") && lax.stderr.contains("text.token_embed"), lax.stderr)
        XCTAssertEqual(try CLI.run(["inspect", "--verify", out]).status, 0)

        try FileManager.default.removeItem(atPath: out)
        let strict = try CLI.run(["convert", dir.path, "-o", out, "--strict"])
        XCTAssertEqual(strict.status, 1, strict.stderr)
        XCTAssertTrue(strict.stderr.contains("NaN or Inf") && strict.stderr.contains("vision.patch_embed.weight"), strict.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "--strict failure left an output file")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.deletingLastPathComponent().path).filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [], "a refused convert left its temporary file")
    }

    func testSafetensorsInfWarns() throws {
        let src = CLI.seeds.appendingPathComponent("safetensors/micro_canonical.safetensors")
        var bytes = try Data(contentsOf: src)
        let headerLen = bytes.prefix(8).withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: bytes.subdata(in: 8..<(8 + headerLen))) as? [String: Any])
        let first = try XCTUnwrap(header.first { (($0.value as? [String: Any])?["data_offsets"] as? [Int])?.first == 0 }?.key)
        let at = 8 + headerLen
        withUnsafeBytes(of: Float.infinity.bitPattern.littleEndian) { bytes.replaceSubrange(at..<(at + 4), with: $0) }
        let dir = try CLI.tempDir(self)
        let poisoned = dir.appendingPathComponent("model.safetensors")
        try bytes.write(to: poisoned)
        let merges = CLI.seeds.appendingPathComponent("merges/mini.txt").path
        let r = try CLI.run(["convert", poisoned.path, "--tokenizer", merges, "-o", dir.path + "/out.clipz"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("NaN or Inf values in 1 tensors: \(first)"), r.stderr)
        let s = try CLI.run(["convert", poisoned.path, "--tokenizer", merges, "-o", dir.path + "/strict.clipz", "--strict"])
        XCTAssertEqual(s.status, 1, s.stderr)
        XCTAssertTrue(s.stderr.contains(first), s.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path + "/strict.clipz"))
    }
}
