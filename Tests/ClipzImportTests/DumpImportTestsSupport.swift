import CZlib
import ClipzCore
import Foundation
import XCTest
@testable import ClipzImport

/// Writers for small dump files built at test time (safetensors, .npy, stored zip, raw dumps),
/// and a tiny synthetic CLIP model to fill them.
enum DumpWriter {
    static let descr: [DType: String] = [.f32: "<f4", .f16: "<f2", .bf16: "<f2", .i64: "<i8", .i32: "<i4", .u8: "|u1", .i8: "|i1"]
    static let stName: [DType: String] = [.f32: "F32", .f16: "F16", .bf16: "BF16", .i64: "I64", .i32: "I32", .u8: "U8", .i8: "I8"]

    static func safetensors(_ tensors: [Tensor]) -> [UInt8] {
        var header: [String] = []
        var data: [UInt8] = []
        for t in tensors {
            header.append("\"\(t.name)\":{\"dtype\":\"\(stName[t.dtype] ?? "?")\",\"shape\":\(t.shape),\"data_offsets\":[\(data.count),\(data.count + t.bytes.count)]}")
            data += t.bytes
        }
        var h = Array(("{\"__metadata__\":{\"format\":\"pt\"}," + header.joined(separator: ",") + "}").utf8)
        while h.count % 8 != 0 { h.append(0x20) }
        return le64(h.count) + h + data
    }

    static func npy(_ t: Tensor, descrOverride: String? = nil) -> [UInt8] {
        let shape = t.shape.isEmpty ? "()" : t.shape.count == 1 ? "(\(t.shape[0]),)" : "(" + t.shape.map(String.init).joined(separator: ", ") + ")"
        var dict = "{'descr': '\(descrOverride ?? descr[t.dtype] ?? "?")', 'fortran_order': False, 'shape': \(shape), }"
        while (10 + dict.utf8.count + 1) % 64 != 0 { dict += " " }
        dict += "\n"
        return NpyHeader.magic + [1, 0] + [UInt8(dict.utf8.count & 0xFF), UInt8(dict.utf8.count >> 8)] + Array(dict.utf8) + t.bytes
    }

    /// A zip of stored or raw-deflated members with their CRC-32s; `crc` overrides a member's CRC.
    static func zip(_ members: [(String, [UInt8])], deflate: Bool = false, crc: [String: UInt32] = [:]) -> [UInt8] {
        var out: [UInt8] = [], dir: [UInt8] = []
        for (name, bytes) in members {
            let n = Array(name.utf8)
            let offset = out.count
            let data = deflate ? rawDeflate(bytes) : bytes
            let sum = Int(crc[name] ?? bytes.withUnsafeBytes { Zlib.crc32($0) })
            let fields = le16(deflate ? 8 : 0) + le16(0) + le16(0) + le32(sum) + le32(data.count) + le32(bytes.count)
            out += le32(0x0403_4B50) + le16(20) + le16(0) + fields + le16(n.count) + le16(0) + n + data
            dir += le32(0x0201_4B50) + le16(20) + le16(20) + le16(0) + fields
            dir += le16(n.count) + le16(0) + le16(0) + le16(0) + le16(0) + le32(0) + le32(offset) + n
        }
        let dirOffset = out.count
        return out + dir + le32(0x0605_4B50) + le16(0) + le16(0) + le16(members.count) + le16(members.count) + le32(dir.count) + le32(dirOffset) + le16(0)
    }

    /// Raw DEFLATE (zlib's `compress2` output without its 2-byte header and 4-byte Adler-32 trailer).
    static func rawDeflate(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(compressBound(uLong(bytes.count))))
        var length = uLong(out.count)
        let status = compress2(&out, &length, bytes, uLong(bytes.count), 6)
        precondition(status == Z_OK, "compress2 failed in a test helper")
        return Array(out[2..<(Int(length) - 4)])
    }

    static func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
    static func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(v >> ($0 * 8) & 0xFF) } }
    static func le64(_ v: Int) -> [UInt8] { (0..<8).map { UInt8(v >> ($0 * 8) & 0xFF) } }
}

enum DumpTestModel {
    static let config = SyntheticModel.tinyConfig(vocab: 64)

    /// Canonical tensors of a seeded synthetic model, loaded.
    static func canonical() throws -> [Tensor] { try SyntheticModel.make(config: config).tensors.map { try $0.load() } }

    /// The same model under Hugging Face names.
    static func hf(prefix: String = "") throws -> [Tensor] {
        let scheme = HFNaming(prefix: prefix)
        return try canonical().map { t in
            var s = t
            s.name = scheme.locate(t.name)?.name ?? "?"
            return s
        }
    }

    /// The same model under open_clip names: q/k/v packed, projections transposed to [W, D].
    static func openCLIP() throws -> [Tensor] {
        let c = try canonical()
        let by = Dictionary(uniqueKeysWithValues: c.map { ($0.name, $0) })
        let scheme = OpenCLIPNaming(prefix: "", names: [])
        var out: [Tensor] = []
        for t in c {
            guard let ref = scheme.locate(t.name) else { continue }
            switch ref.layout {
            case .identity, .reshape: var s = t; s.name = ref.name; out.append(s)
            case .transpose:
                let bytes = try XCTUnwrap(SourceTensor.transposed(t.bytes, rows: t.shape[0], cols: t.shape[1], elementSize: 4, colStart: 0, colCount: t.shape[1]))
                out.append(try Tensor(name: ref.name, dtype: t.dtype, shape: [t.shape[1], t.shape[0]], bytes: bytes))
            case let .rows(part, _):
                guard part == 0 else { continue }
                let k = t.name.replacingOccurrences(of: "attn.q.", with: "attn.k."), v = t.name.replacingOccurrences(of: "attn.q.", with: "attn.v.")
                guard let kt = by[k], let vt = by[v] else { continue }
                out.append(try Tensor(name: ref.name, dtype: t.dtype, shape: [3 * t.shape[0]] + t.shape.dropFirst(), bytes: t.bytes + kt.bytes + vt.bytes))
            case .columnsTransposed: continue
            }
        }
        return out
    }

    static func configJSON() throws -> Data { try JSONEncoder().encode(config) }
}

/// A fresh temporary folder per test.
func makeTempDir(_ label: String = "dump") throws -> String {
    let p = NSTemporaryDirectory() + "clipz-\(label)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
    return p
}

func write(_ bytes: [UInt8], _ path: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }

/// Asserts that `model` holds exactly `expected` (names, order, dtypes, shapes, bytes).
func assertSameTensors(_ model: ModelSource, _ expected: [Tensor], file: StaticString = #filePath, line: UInt = #line) throws {
    XCTAssertEqual(model.tensors.map(\.name), expected.map(\.name), file: file, line: line)
    for (src, want) in zip(model.tensors, expected) {
        let got = try src.load()
        XCTAssertEqual(got.dtype, want.dtype, src.name, file: file, line: line)
        XCTAssertEqual(got.shape, want.shape, src.name, file: file, line: line)
        XCTAssertTrue(got.bytes == want.bytes, "bytes differ for \(src.name)", file: file, line: line)
    }
}
