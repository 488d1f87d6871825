import Foundation

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
        } else if finished || total.map({ done % max(1, $0 / 10) == 0 }) ?? true {
            FileHandle.standardError.write(Data("\(line)\n".utf8))
        }
    }
}

func pad(_ s: String, _ w: Int, right: Bool = false) -> String {
    let n = s.count
    if n >= w { return s }
    return right ? String(repeating: " ", count: w - n) + s : s + String(repeating: " ", count: w - n)
}
