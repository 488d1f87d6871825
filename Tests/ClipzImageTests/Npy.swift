import Foundation
import XCTest

/// Minimal .npy reader for the committed goldens: little-endian float32 or uint8, C order.
struct Npy {
    let shape: [Int]
    let descr: String
    let payload: Data

    init(_ url: URL) throws {
        let data = try Data(contentsOf: url)
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard data.count > 10, data.prefix(6).elementsEqual(magic) else { throw NpyError.bad("\(url.lastPathComponent): not .npy") }
        let major = data[data.startIndex + 6]
        let lenBytes = major == 1 ? 2 : 4
        var headerLen = 0
        for i in 0..<lenBytes { headerLen |= Int(data[data.startIndex + 8 + i]) << (8 * i) }
        let start = 8 + lenBytes
        guard data.count >= start + headerLen else { throw NpyError.bad("\(url.lastPathComponent): short header") }
        let header = String(decoding: data[(data.startIndex + start)..<(data.startIndex + start + headerLen)], as: UTF8.self)
        guard header.contains("'fortran_order': False") else { throw NpyError.bad("Fortran order") }
        guard let d = header.range(of: "'descr': '"), let dEnd = header[d.upperBound...].firstIndex(of: "'"),
              let s = header.range(of: "'shape': ("), let sEnd = header[s.upperBound...].firstIndex(of: ")") else {
            throw NpyError.bad("\(url.lastPathComponent): header \(header)")
        }
        descr = String(header[d.upperBound..<dEnd])
        shape = header[s.upperBound..<sEnd].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        payload = data.subdata(in: (data.startIndex + start + headerLen)..<data.endIndex)
        let elem = descr == "<f4" ? 4 : (descr == "|u1" ? 1 : 0)
        guard elem > 0 else { throw NpyError.bad("unsupported dtype \(descr)") }
        guard payload.count == shape.reduce(1, *) * elem else { throw NpyError.bad("payload size") }
    }

    var floats: [Float] {
        precondition(descr == "<f4")
        return payload.withUnsafeBytes { raw in
            (0..<(raw.count / 4)).map { Float(bitPattern: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self).littleEndian) }
        }
    }

    var bytes: [UInt8] {
        precondition(descr == "|u1")
        return [UInt8](payload)
    }
}

enum NpyError: Error { case bad(String) }

/// The committed fixtures and their manifest (see Fixtures/README.md).
enum Fixtures {
    static var directory: URL {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
    }
    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }
    static func path(_ name: String) -> String { url(name).path }

    struct Entry: Decodable { let mode: String; let width: Int; let height: Int; let sha256: String; let decoded: String? }
    struct Golden: Decodable { let image: String; let size: Int; let file: String; let resample: String? }
    struct Manifest: Decodable {
        let images: [String: Entry]
        let tensors: [Golden]
        let crops: [Golden]
        let mean: [Double]
        let std: [Double]
    }
    static func manifest() throws -> Manifest {
        try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: url("manifest.json")))
    }
}

/// Max and mean absolute difference of two equally long arrays.
func diffStats(_ a: [Float], _ b: [Float]) -> (max: Float, mean: Float) {
    XCTAssertEqual(a.count, b.count)
    var mx: Float = 0, sum: Double = 0
    for i in 0..<min(a.count, b.count) {
        let d = abs(a[i] - b[i])
        mx = max(mx, d); sum += Double(d)
    }
    return (mx, Float(sum / Double(max(a.count, 1))))
}
