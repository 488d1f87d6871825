import Foundation
import XCTest

/// One golden string with the ids open_clip produced for it.
struct GoldenCase: Decodable {
    let text: String
    let ids: [Int]
    let row: [Int]?
    /// ftfy would repair this string as mojibake, which ClipzText does not reproduce.
    let needs_mojibake_repair: Bool?
    var isKnownGap: Bool { needs_mojibake_repair ?? false }
}

struct GoldenFile: Decodable {
    let command: String
    let open_clip_version: String
    let cases: [GoldenCase]
}

enum Fixtures {
    static func url(_ name: String, _ ext: String, in sub: String = "Fixtures") throws -> URL {
        let url = Bundle.module.url(forResource: name, withExtension: ext, subdirectory: sub)
        return try XCTUnwrap(url, "fixture \(sub)/\(name).\(ext) missing from the test bundle")
    }

    static func data(_ name: String, _ ext: String, in sub: String = "Fixtures") throws -> Data {
        try Data(contentsOf: url(name, ext, in: sub))
    }

    static func goldens(_ name: String) throws -> GoldenFile {
        try JSONDecoder().decode(GoldenFile.self, from: data(name, "json"))
    }
}

/// Shows a string with control characters escaped, for failure messages.
func visible(_ s: String) -> String {
    s.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? String($0) : "\\u{\(String($0.value, radix: 16))}" }.joined()
}
