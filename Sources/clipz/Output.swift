import Foundation

/// stdout for results, stderr for progress and warnings (so `--json` output stays clean).
enum Output {
    static func json(_ object: Any) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        FileHandle.standardOutput.write(data)
        FileHandle.standardOutput.write(Data("\n".utf8))
    }
    static func warn(_ s: String) { FileHandle.standardError.write(Data("warning: \(s)\n".utf8)) }
    static func info(_ s: String) { FileHandle.standardError.write(Data("\(s)\n".utf8)) }
}
