import ClipzCore
import Foundation
import XCTest
@testable import ClipzImport

/// Corrupt and hostile dumps must produce `ImportError`, never a crash or a huge allocation.
final class DumpImportTestsHostile: XCTestCase {
    enum Outcome { case ok, importError }

    var scratch = ""
    override func setUpWithError() throws { scratch = try makeTempDir("hostile") }
    override func tearDown() { try? FileManager.default.removeItem(atPath: scratch) }

    /// Reads the file with `reader` and loads every tensor; fails the test on any non-ImportError.
    func probe(_ bytes: [UInt8], name: String, reader: (String) throws -> [SourceTensor], line: UInt = #line) throws -> Outcome {
        let p = scratch + "/" + name
        try write(bytes, p)
        do {
            for t in try reader(p) { _ = t.convert(try t.readBytes()) }
            return .ok
        } catch is ImportError {
            return .importError
        } catch {
            XCTFail("non-ImportError \(error)", line: line)
            return .importError
        }
    }

    func sampleTensors() throws -> [Tensor] {
        [try Tensor(name: "a", shape: [3, 4], floats: (0..<12).map { Float($0) }),
         try Tensor(name: "b", shape: [2], floats: [1, 2]),
         try Tensor(name: "c", shape: [], floats: [4.5])]
    }

    func testSafetensorsTruncatedAndBitFlipped() throws {
        let good = DumpWriter.safetensors(try sampleTensors())
        XCTAssertEqual(try probe(good, name: "m.safetensors", reader: SafetensorsReader.read), .ok)
        for n in 0..<good.count {
            XCTAssertEqual(try probe(Array(good[..<n]), name: "m.safetensors", reader: SafetensorsReader.read), .importError, "truncated to \(n)")
        }
        for i in 0..<good.count {
            var b = good; b[i] ^= i % 2 == 0 ? 0xFF : 0x01
            _ = try probe(b, name: "m.safetensors", reader: SafetensorsReader.read)
        }
    }

    func testSafetensorsHugeShapesAndOverlaps() throws {
        func st(_ header: String, data: Int = 16) -> [UInt8] { DumpWriter.le64(header.utf8.count) + Array(header.utf8) + [UInt8](repeating: 0, count: data) }
        let cases = [
            #"{"a":{"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,16]}}"#,
            #"{"a":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,16]}}"#,
            #"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,16]}}"#,
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#,
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
            #"{"a":{"dtype":"F32","shape":[1,1,1,1,1,1,1,1,1],"data_offsets":[0,4]}}"#,
            #"{"a":{"dtype":"C64","shape":[2],"data_offsets":[0,16]}}"#,
            #"{"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,16]}}"#,
            #"[1,2]"#,
        ]
        for c in cases {
            XCTAssertEqual(try probe(st(c), name: "h.safetensors", reader: SafetensorsReader.read), .importError, c)
        }
        // A header length of 2^62 is refused by the cap, not by trying to allocate it.
        XCTAssertThrowsError(try SafetensorsReader.read(path: try tempFile(DumpWriter.le64(1 << 62) + [0x7B, 0x7D]))) { e in
            guard case ImportError.limitExceeded = e else { return XCTFail("\(e)") }
        }
    }

    func testNpyTruncatedFlippedAndHuge() throws {
        let good = DumpWriter.npy(try sampleTensors()[0])
        let read: (String) throws -> [SourceTensor] = { [try NpzReader.npyFile($0, name: "a")] }
        XCTAssertEqual(try probe(good, name: "a.npy", reader: read), .ok)
        for n in 0..<good.count { XCTAssertEqual(try probe(Array(good[..<n]), name: "a.npy", reader: read), .importError, "truncated to \(n)") }
        for i in 0..<good.count { var b = good; b[i] ^= 0x5A; _ = try probe(b, name: "a.npy", reader: read) }
        var huge = DumpWriter.npy(try Tensor(name: "x", shape: [1], floats: [0]))
        let dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000, 1000000000000), }"
        huge = NpyHeader.magic + [1, 0] + DumpWriter.le16(dict.utf8.count) + Array(dict.utf8) + [0, 0, 0, 0]
        XCTAssertEqual(try probe(huge, name: "h.npy", reader: read), .importError)
    }

    func testNpzStoredAndDeflatedCorruption() throws {
        for base64 in [DumpImportTestsFormats.savez, DumpImportTestsFormats.savezCompressed] {
            let good = Array(Data(base64Encoded: base64) ?? Data())
            XCTAssertEqual(try probe(good, name: "m.npz", reader: NpzReader.read), .ok)
            for n in stride(from: 0, to: good.count, by: 7) {
                XCTAssertEqual(try probe(Array(good[..<n]), name: "m.npz", reader: NpzReader.read), .importError, "truncated to \(n)")
            }
            // Every third byte, alternating masks: covers headers, directory and deflate data in ~1 s.
            for i in stride(from: 0, to: good.count, by: 3) {
                var b = good; b[i] ^= i % 2 == 0 ? 0xFF : 0x01
                _ = try probe(b, name: "m.npz", reader: NpzReader.read)
            }
        }
    }

    /// Issue 13: zip CRC-32s were not checked. A flipped CRC is refused naming the member, for a
    /// stored member when the archive is listed, for a deflated one when the tensor is read.
    func testNpzWithAWrongCRCIsRefusedNamingTheMember() throws {
        let t = try sampleTensors()[0]
        for deflate in [false, true] {
            let good = DumpWriter.zip([("w.npy", DumpWriter.npy(t))], deflate: deflate)
            XCTAssertEqual(try NpzReader.read(path: try tempFile(good, "m.npz"))[0].readBytes(), t.bytes)
            let right = DumpWriter.npy(t).withUnsafeBytes { Zlib.crc32($0) }
            let bad = DumpWriter.zip([("w.npy", DumpWriter.npy(t))], deflate: deflate, crc: ["w.npy": right ^ 0x10])
            XCTAssertThrowsError(try NpzReader.read(path: try tempFile(bad, "m.npz")).map { try $0.readBytes() }, "deflate \(deflate)") { e in
                guard case let ImportError.malformed(_, detail, _) = e else { return XCTFail("\(e)") }
                XCTAssertTrue(detail.hasPrefix("member 'w.npy': CRC-32 is 0x\(String(right, radix: 16)), the archive says"), detail)
            }
        }
    }

    /// A zip bomb: a deflated member declared as a 4-element array whose stream goes on with 64 MiB
    /// of zeros is refused once the declared bytes are out (the output buffer is the declared size,
    /// never grown). Declared sizes the stream cannot fill, or impossible ones, are refused too.
    func testDeflatedMembersMustInflateToExactlyTheDeclaredSize() throws {
        let npy = DumpWriter.npy(try Tensor(name: "w", shape: [4], floats: [1, 2, 3, 4]))
        var zip = DumpWriter.zip([("w.npy", npy + [UInt8](repeating: 0, count: 64 << 20))], deflate: true)
        XCTAssertLessThan(zip.count, 128 << 10)
        let dir = try XCTUnwrap((0..<zip.count - 4).last { LE.u32(zip, $0) == 0x0201_4B50 })
        for at in [22, dir + 24] { zip.replaceSubrange(at..<(at + 4), with: DumpWriter.le32(npy.count)) }
        let bomb = try NpzReader.read(path: try tempFile(zip, "bomb.npz"))
        XCTAssertEqual(bomb.map(\.shape), [[4]])
        XCTAssertThrowsError(try bomb[0].readBytes()) { e in
            XCTAssertTrue("\(e)".contains("member 'w.npy': deflate stream: inflates to more than the declared \(npy.count) bytes"), "\(e)")
        }
        func inflate(_ stream: [UInt8], size: Int) throws -> String {
            let reader = try FileReader(path: try tempFile(stream, "s.bin"))
            do { return try Zlib.inflate(reader, offset: 0, compressedSize: stream.count, size: size, what: "m") == npy ? "ok" : "wrong bytes" }
            catch let ImportError.malformed(_, detail, _) { return detail }
        }
        XCTAssertEqual(try inflate(DumpWriter.rawDeflate(npy), size: npy.count), "ok")
        XCTAssertEqual(try inflate(DumpWriter.rawDeflate(npy), size: npy.count + 1),
                       "m: deflate stream: ends after \(npy.count) bytes; the archive declares \(npy.count + 1)")
        let padded = DumpWriter.rawDeflate(npy) + [0, 0]
        XCTAssertEqual(try inflate(padded, size: npy.count), "m: deflate stream: ends with 2 of its \(padded.count) compressed bytes unused")
        XCTAssertEqual(try inflate([0x03, 0x00], size: 1 << 40), "m: deflate stream: declared size 1099511627776 is impossible for 2 compressed bytes")
        XCTAssertEqual(try inflate(Array(DumpWriter.rawDeflate(npy).dropLast(3)), size: npy.count).prefix(28), "m: deflate stream: truncated")
    }

    func testRawManifestHostile() throws {
        let dir = try makeTempDir("raw")
        try write([UInt8](repeating: 0, count: 16), dir + "/w.bin")
        let cases = [
            #"{"format":"clipz-raw-dump","version":1,"tensors":[{"name":"a","dtype":"f32","shape":[1000000,1000000],"file":"w.bin","offset":0}]}"#,
            #"{"format":"clipz-raw-dump","version":1,"tensors":[{"name":"a","dtype":"f32","shape":[4],"file":"w.bin","offset":4}]}"#,
            #"{"format":"clipz-raw-dump","version":1,"tensors":[{"name":"a","dtype":"f32","shape":[2],"file":"../w.bin","offset":0}]}"#,
            #"{"format":"clipz-raw-dump","version":1,"tensors":[{"name":"a","dtype":"f32","shape":[2],"file":"/etc/passwd","offset":0}]}"#,
            #"{"format":"clipz-raw-dump","version":1,"tensors":[{"name":"a","dtype":"f32","shape":[2],"file":"w.bin","offset":0},{"name":"b","dtype":"f32","shape":[2],"file":"w.bin","offset":4}]}"#,
            #"{"format":"clipz-raw-dump","version":2,"tensors":[]}"#,
            #"{"format":"other","version":1,"tensors":[]}"#,
            #"{"format":"clipz-raw-dump","version":1,"tensors":[{"name":"a","dtype":"f32","shape":[2],"file":"w.bin","offset":-4}]}"#,
            #"{"format":"clipz-raw-dump","version":1,"tensors":[{"name":"a","dtype":"q4","shape":[2],"file":"w.bin"}]}"#,
            "{\"format\":\"clipz-raw-d",
        ]
        for c in cases {
            try write(Array(c.utf8), dir + "/manifest.json")
            XCTAssertThrowsError(try RawDumpReader.read(folder: dir), c) { e in XCTAssertTrue(e is ImportError, "\(e)") }
        }
        try write(Array(#"{"format":"clipz-raw-dump","version":1,"tensors":[{"name":"a","dtype":"f32","shape":[4],"file":"w.bin"}]}"#.utf8), dir + "/manifest.json")
        XCTAssertEqual(try RawDumpReader.read(folder: dir).tensors.first?.shape, [4])
    }

    func testShardIndexRefusesEscapingPaths() throws {
        let dir = try makeTempDir("shard")
        for shard in ["../x.safetensors", "/tmp/x.safetensors"] {
            try write(Array("{\"weight_map\": {\"a\": \"\(shard)\"}}".utf8), dir + "/model.safetensors.index.json")
            XCTAssertThrowsError(try DumpImporter.load(paths: [dir], configPath: nil)) { e in
                guard case ImportError.unsafePath = e else { return XCTFail("\(e)") }
            }
        }
    }

    func testWrongConfigIsReported() throws {
        let dir = try makeTempDir()
        try write(DumpWriter.safetensors(try DumpTestModel.hf()), dir + "/model.safetensors")
        var c = DumpTestModel.config
        c.vision!.layers = 1  // the file has two: the extra layer must not be dropped silently
        try JSONEncoder().encode(c).write(to: URL(fileURLWithPath: dir + "/c.json"))
        XCTAssertThrowsError(try DumpImporter.load(paths: [dir], configPath: dir + "/c.json")) { XCTAssertTrue("\($0)".contains("no place")) }
        c = DumpTestModel.config; c.text!.width = 64
        try JSONEncoder().encode(c).write(to: URL(fileURLWithPath: dir + "/c.json"))
        XCTAssertThrowsError(try DumpImporter.load(paths: [dir], configPath: dir + "/c.json")) { e in
            guard case ImportError.shapeMismatch = e else { return XCTFail("\(e)") }
        }
    }

    func tempFile(_ bytes: [UInt8], _ name: String = "f.safetensors") throws -> String {
        let p = try makeTempDir("tmp") + "/" + name
        try write(bytes, p)
        return p
    }
}
