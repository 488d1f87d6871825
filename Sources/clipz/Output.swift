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

/// One-line progress on stderr, rewritten in place on a terminal; silenced by `--quiet`.
final class Progress {
    let label: String
    let quiet: Bool
    let tty = isatty(2) != 0
    var last = Date.distantPast
    init(_ label: String, quiet: Bool) { self.label = label; self.quiet = quiet }
    /// - Parameter total: nil for a stream of unknown length (then a line at most every 5 s off a terminal).
    func update(_ done: Int, _ total: Int?, _ item: String = "") {
        guard !quiet else { return }
        let now = Date()
        let finished = done == total
        if !finished && now.timeIntervalSince(last) < (tty || total != nil ? 0.2 : 5) { return }
        last = now
        let line = "\(label) \(done)" + (total.map { "/\($0)" } ?? "") + " \(item)"
        if tty {
            FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
            if finished { FileHandle.standardError.write(Data("\n".utf8)) }
        } else if finished || total == nil || done % max(1, total! / 10) == 0 {
            FileHandle.standardError.write(Data("\(line)\n".utf8))
        }
    }
}

func pad(_ s: String, _ w: Int, right: Bool = false) -> String {
    let n = s.count
    if n >= w { return s }
    return right ? String(repeating: " ", count: w - n) + s : s + String(repeating: " ", count: w - n)
}
