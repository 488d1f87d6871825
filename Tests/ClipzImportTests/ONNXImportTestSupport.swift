import ClipzCore
import Foundation
import XCTest

/// Minimal readers for the committed goldens: .npz archives with stored (uncompressed) members
/// holding little-endian .npy arrays. Test-only; the importers have their own hardened readers.
enum ONNXTestNpz {
    struct Array { let dtype: String; let shape: [Int]; let data: [UInt8] }

    static func read(_ path: String) throws -> [String: Array] {
        let b = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        func u16(_ o: Int) -> Int { Int(b[o]) | Int(b[o + 1]) << 8 }
        func u32(_ o: Int) -> Int { u16(o) | u16(o + 2) << 16 }
        func u64(_ o: Int) -> Int { u32(o) | u32(o + 4) << 32 }
        // numpy writes zip64 members (sizes 0xFFFFFFFF, real values in extra field 0x0001), so
        // walk the central directory rather than the local headers.
        guard let eocd = stride(from: b.count - 22, through: 0, by: -1).first(where: { u32($0) == 0x0605_4b50 }) else {
            throw NSError(domain: "npz", code: 1, userInfo: [NSLocalizedDescriptionKey: "no end of central directory"])
        }
        var pos = u32(eocd + 16)
        var out: [String: Array] = [:]
        for _ in 0..<u16(eocd + 10) {
            let method = u16(pos + 10), nameLen = u16(pos + 28), extraLen = u16(pos + 30), commentLen = u16(pos + 32)
            var csize = u32(pos + 20), usize = u32(pos + 24), local = u32(pos + 42)
            let name = String(decoding: b[(pos + 46)..<(pos + 46 + nameLen)], as: UTF8.self)
            var e = pos + 46 + nameLen
            while e + 4 <= pos + 46 + nameLen + extraLen {
                let id = u16(e), len = u16(e + 2)
                if id == 1 {
                    var f = e + 4
                    if usize == 0xFFFF_FFFF { usize = u64(f); f += 8 }
                    if csize == 0xFFFF_FFFF { csize = u64(f); f += 8 }
                    if local == 0xFFFF_FFFF { local = u64(f) }
                }
                e += 4 + len
            }
            guard method == 0, csize == usize else { throw NSError(domain: "npz", code: 2, userInfo: [NSLocalizedDescriptionKey: "\(name): compressed member"]) }
            let start = local + 30 + u16(local + 26) + u16(local + 28)
            out[String(name.dropLast(4))] = try npy(Swift.Array(b[start..<(start + csize)]))
            pos += 46 + nameLen + extraLen + commentLen
        }
        return out
    }

    static func npy(_ b: [UInt8]) throws -> Array {
        let headerLen = Int(b[8]) | Int(b[9]) << 8
        let header = String(decoding: b[10..<(10 + headerLen)], as: UTF8.self)
        func field(_ key: String) -> String {
            guard let r = header.range(of: "'\(key)': ") else { return "" }
            let rest = header[r.upperBound...]
            if rest.first == "(" { return String(rest[rest.startIndex...rest.firstIndex(of: ")")!]) }
            return String(rest.prefix { $0 != "," })
        }
        let dtype = field("descr").trimmingCharacters(in: CharacterSet(charactersIn: "' "))
        let shape = field("shape").trimmingCharacters(in: CharacterSet(charactersIn: "()")).split(separator: ",")
            .compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        return Array(dtype: dtype, shape: shape, data: Swift.Array(b[(10 + headerLen)...]))
    }
}

enum ONNXFixtures {
    static var root: String { Bundle.module.resourcePath! + "/Fixtures" }
    static func path(_ rel: String) -> String { root + "/" + rel }
    static func exists(_ rel: String) -> Bool { FileManager.default.fileExists(atPath: path(rel)) }

    /// Loads canonical_config.json as a ModelConfig (the `_command` key is ignored).
    static func config(_ rel: String) throws -> ModelConfig {
        try JSONDecoder().decode(ModelConfig.self, from: Data(contentsOf: URL(fileURLWithPath: path(rel))))
    }
}

/// Thrown when a committed fixture (or the built `clipz` beside the test bundle) is missing: the test
/// fails, naming it; nothing is ever skipped.
struct MissingFixture: Error, CustomStringConvertible {
    let what: String
    init(_ what: String) { self.what = what }
    var description: String { "missing: \(what)" }
}
