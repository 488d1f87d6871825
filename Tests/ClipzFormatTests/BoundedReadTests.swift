import ClipzCore
@testable import ClipzFormat
import XCTest

/// A zstd frame written by hand: declares `declare` (default `count`) content bytes and holds
/// `count` bytes as RLE blocks of `value`, 4 stored bytes per 128 KiB — the most a frame can expand.
func rleFrame(count: Int, value: UInt8 = 0, declare: Int? = nil) -> [UInt8] {
    // Magic, frame header descriptor (8-byte content size, no checksum), window 2^17.
    var f: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD, 0xC0, 0x38]
    withUnsafeBytes(of: UInt64(declare ?? count).littleEndian) { f += $0 }
    var left = count
    repeat {
        let n = min(left, 131_072)
        left -= n
        let header = UInt32(n) << 3 | 1 << 1 | (left == 0 ? 1 : 0)
        f += [UInt8(header & 0xFF), UInt8(header >> 8 & 0xFF), UInt8(header >> 16 & 0xFF), value]
    } while left > 0
    return f
}

extension HostileFile {
    /// Appends `payload` (64-aligned, before the header) and adds a tensor entry for it, re-sealing
    /// every checksum with the project's own CRC-32C, so only the checks under test can refuse it.
    static func addTensor(_ path: String, name: String, dtype: String, shape: [Int], rawBytes: Int,
                          encoding: String, payload: [UInt8]) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let pre = try Preamble.decode(bytes, path: path)
        let header = String(decoding: bytes[Int(pre.headerOffset)...], as: UTF8.self)
        bytes.removeSubrange(Int(pre.headerOffset)...)
        let offset = bytes.count
        bytes += payload
        while bytes.count % 64 != 0 { bytes.append(0) }
        let entry = "{\"crc32c\":0,\"dtype\":\"\(dtype)\",\"encoding\":\"\(encoding)\",\"name\":\"\(name)\",\"offset\":\(offset),"
            + "\"raw_bytes\":\(rawBytes),\"shape\":\(shape),\"stored_bytes\":\(payload.count)}"
        let newHeader = Array(header.replacingOccurrences(of: "\"tensors\":[", with: "\"tensors\":[\(entry),").utf8)
        let headerOffset = bytes.count
        bytes += newHeader
        let p = Preamble(headerOffset: UInt64(headerOffset), headerLength: UInt64(newHeader.count),
                         headerCRC: CRC32C.checksum(newHeader), fileLength: UInt64(bytes.count))
        bytes.replaceSubrange(0..<64, with: p.encode())
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// Replaces the first `old` after the entry of tensor `name` in the header.
    static func editEntry(_ path: String, _ name: String, _ old: String, _ new: String) throws {
        try rewriteHeader(path) { h in
            guard let at = h.range(of: "\"name\":\"\(name)\""), let entryStart = h[..<at.lowerBound].range(of: "{", options: .backwards),
                  let r = h[entryStart.lowerBound...].range(of: old) else { return h }
            return h.replacingCharacters(in: r, with: new)
        }
    }
}

/// Issue 12: allocations are bounded by the bytes present, and the config accounts for every tensor.
final class BoundedReadTests: XCTestCase {
    var dir = ""
    var path = ""

    override func setUpWithError() throws {
        dir = try makeTempDir()
        path = dir + "/tiny.clipz"
        try ClipzWriter.write(SyntheticModel.make(config: SyntheticModel.tinyConfig()), to: path)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    func message(_ body: () throws -> Any) -> String {
        do { _ = try body(); return "no error" } catch { return "\(error)" }
    }

    /// A 64 KiB frame that really decodes to 2 GiB passed the old bound (stored × 32768) and was
    /// allocated in full when loaded; now the stated ratio refuses it when the file is opened.
    func testFrameBeyondTheStatedRatioIsRefusedAtOpen() throws {
        let n = Int(Int32.max)
        let frame = rleFrame(count: n)
        XCTAssertLessThan(frame.count, 70_000)
        try HostileFile.addTensor(path, name: CanonicalName.bpeMerges, dtype: "u8", shape: [n], rawBytes: n, encoding: "zstd", payload: frame)
        let m = message { try ClipzFile(path: self.path) }
        XCTAssertTrue(m.contains("'tokenizer.bpe_merges'") && m.contains("\(Zstd.maxRatio)×"), m)
    }

    /// The issue's forged file: an extra u8 [2^31−1, 8] tensor (16 GiB) from a 512 KiB frame.
    func testForgedSixteenGiBTensorIsRefusedAtOpen() throws {
        let shape = [Int(Int32.max), 8], n = Int(Int32.max) * 8
        try HostileFile.addTensor(path, name: "extra.blob", dtype: "u8", shape: shape, rawBytes: n, encoding: "zstd", payload: rleFrame(count: n))
        let m = message { try ClipzFile(path: self.path) }
        XCTAssertTrue(m.contains("'extra.blob'"), m)
    }

    /// Within the ratio, a frame that ends early or holds less than it declares fails while decoding,
    /// naming the tensor.
    func testFrameShorterThanDeclaredFailsNamingTheTensor() throws {
        let n = 1 << 20
        let cut = Array(rleFrame(count: n).dropLast(4)) // the last block is gone
        try HostileFile.addTensor(path, name: CanonicalName.bpeMerges, dtype: "u8", shape: [n], rawBytes: n, encoding: "zstd", payload: cut)
        var m = message { try ClipzFile(path: self.path).tensor(CanonicalName.bpeMerges) }
        XCTAssertTrue(m.contains("'tokenizer.bpe_merges'") && m.contains("truncated (decoded \(n - 131_072) of \(n) bytes)"), m)
        try ClipzWriter.write(SyntheticModel.make(config: SyntheticModel.tinyConfig()), to: path, force: true)
        try HostileFile.addTensor(path, name: CanonicalName.bpeMerges, dtype: "u8", shape: [n], rawBytes: n, encoding: "zstd",
                                  payload: rleFrame(count: n / 2, declare: n))
        m = message { try ClipzFile(path: self.path).tensor(CanonicalName.bpeMerges) }
        XCTAssertTrue(m.contains("'tokenizer.bpe_merges'") && m.contains("zstd"), m)
    }

    /// The writer never produces what the reader refuses: beyond the ratio it stores raw.
    func testWriterStoresRawWhenZstdWouldExpandBeyondTheRatio() throws {
        let zeros = try Tensor(name: "z", dtype: .u8, shape: [8 << 20], bytes: [UInt8](repeating: 0, count: 8 << 20))
        let small = try Tensor(name: "s", dtype: .u8, shape: [1 << 20], bytes: [UInt8](repeating: 0, count: 1 << 20))
        let out = dir + "/zeros.clipz"
        let written = try ClipzWriter.write(ModelSource(metadata: tinyMetadata(), tensors: [.init(zeros), .init(small)]), to: out)
        XCTAssertEqual(written.entries.map(\.encoding), ["raw", "zstd"])
        let f = try ClipzFile(path: out, checksConfig: false)
        XCTAssertEqual(try f.tensor("z"), zeros)
        XCTAssertEqual(try f.tensor("s"), small)
    }

    /// Class 6: a config with fewer layers than the file holds no longer loads silently.
    func testConfigWithFewerLayersThanTheTensorsIsRefused() throws {
        var config = SyntheticModel.tinyConfig()
        config.vision!.layers = 3
        try ClipzWriter.write(SyntheticModel.make(config: config), to: path, force: true)
        XCTAssertNoThrow(try ClipzFile(path: path))
        try HostileFile.rewriteHeader(path) { $0.replacingOccurrences(of: "\"layers\":3", with: "\"layers\":2") }
        XCTAssertEqual(try ClipzFile(path: path, checksConfig: false).metadata.config.vision!.layers, 2)
        let m = message { try ClipzFile(path: self.path) }
        XCTAssertTrue(m.contains("'vision.layers.2.") && m.contains("no place"), m)
    }

    func testCanonicalTensorWithAShapeTheConfigDoesNotImplyIsRefused() throws {
        try HostileFile.editEntry(path, "vision.layers.0.mlp.fc1.weight", "\"shape\":[64,32]", "\"shape\":[32,64]")
        XCTAssertNoThrow(try ClipzFile(path: path, checksConfig: false))
        let m = message { try ClipzFile(path: self.path) }
        XCTAssertTrue(m.contains("'vision.layers.0.mlp.fc1.weight'") && m.contains("[64, 32]"), m)
    }

    func testQuantizerCompanionsAreAccountedForAndOthersAreNot() throws {
        let w = "vision.layers.0.attn.q.weight"
        try HostileFile.addTensor(path, name: w + ".input_scale", dtype: "f32", shape: [], rawBytes: 4, encoding: "raw", payload: [0, 0, 128, 63])
        XCTAssertNoThrow(try ClipzFile(path: path))
        try HostileFile.addTensor(path, name: "vision.pre_ln.weight.scale", dtype: "f32", shape: [1], rawBytes: 4, encoding: "raw", payload: [0, 0, 128, 63])
        let m = message { try ClipzFile(path: self.path) }
        XCTAssertTrue(m.contains("'vision.pre_ln.weight.scale'"), m)
    }

    /// Class 7: the old reader decoded a 500,000-entry header (454 MB, 16 s) before counting it.
    func testHeaderWithTooManyEntriesIsRefusedBeforeParsing() throws {
        let entry = "{\"name\":\"x\",\"dtype\":\"f32\",\"shape\":[],\"encoding\":\"raw\",\"offset\":64,\"stored_bytes\":0,\"raw_bytes\":0,\"crc32c\":0},"
        let many = String(repeating: entry, count: 500_000)
        try HostileFile.rewriteHeader(path) { $0.replacingOccurrences(of: "\"tensors\":[", with: "\"tensors\":[" + many) }
        let start = Date()
        let m = message { try ClipzFile(path: self.path) }
        XCTAssertTrue(m.contains("tensor count") && m.contains("before parsing"), m)
        XCTAssertLessThan(Date().timeIntervalSince(start), 2)
    }

    func testValuesAndNestingAreCappedBeforeParsing() throws {
        try HostileFile.rewriteHeader(path) {
            $0.replacingOccurrences(of: "\"notes\":[", with: "\"notes\":[" + String(repeating: "[", count: 40) + String(repeating: "]", count: 40) + ",")
        }
        XCTAssertTrue(message { try ClipzFile(path: self.path) }.contains("nesting depth"))
        try ClipzWriter.write(SyntheticModel.make(config: SyntheticModel.tinyConfig()), to: path, force: true)
        try HostileFile.rewriteHeader(path) {
            $0.replacingOccurrences(of: "\"notes\":[", with: "\"notes\":[" + String(repeating: "0,", count: 200_000))
        }
        let m = message { try ClipzFile(path: self.path) }
        XCTAssertTrue(m.contains("header JSON values"), m)
    }

    func testCensusCountsStructureOnly() {
        let c = JSONCensus(Array(#"{"a":"{[,:\"{","tensors":[{"x":[1,2]},{"y":{}}],"b":{"c":{"d":{}}}}"#.utf8))
        XCTAssertEqual(c.entries, 3) // two entries, and the object of "c"
        XCTAssertEqual(c.maxDepth, 4)
        XCTAssertEqual(c.values, 20)
    }
}
