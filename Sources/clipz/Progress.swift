import Foundation

/// One-line progress on stderr, rewritten in place on a terminal; silenced by `--quiet`.
final class Progress {
    let label: String
    let quiet: Bool
    let tty = isatty(2) != 0
    var last = Date.distantPast
    init(_ label: String, quiet: Bool) { self.label = label; self.quiet = quiet }
    func update(_ done: Int, _ total: Int, _ item: String = "") {
        guard !quiet else { return }
        let now = Date()
        if done < total && now.timeIntervalSince(last) < 0.2 { return }
        last = now
        let line = "\(label) \(done)/\(total) \(item)"
        if tty { FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8)); if done == total { FileHandle.standardError.write(Data("\n".utf8)) } }
        else if done == total || done % max(1, total / 10) == 0 { FileHandle.standardError.write(Data("\(line)\n".utf8)) }
    }
}

/// Human-readable byte counts.
func formatBytes(_ n: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB"]
    var v = Double(n), i = 0
    while v >= 1024 && i < units.count - 1 { v /= 1024; i += 1 }
    return i == 0 ? "\(n) B" : String(format: "%.1f %@", v, units[i])
}

func pad(_ s: String, _ w: Int, right: Bool = false) -> String {
    let n = s.count
    if n >= w { return s }
    return right ? String(repeating: " ", count: w - n) + s : s + String(repeating: " ", count: w - n)
}
