import Foundation

/// Human-readable byte count in binary units ("512 B", "1.5 KiB", "3.2 GiB"); the one formatter for
/// `inspect`, `convert`, `quantize` and the validation report.
public func formatBytes(_ n: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var v = Double(n), i = 0
    while abs(v) >= 1024 && i < units.count - 1 {
        v /= 1024
        i += 1
    }
    return i == 0 ? "\(n) B" : String(format: "%.1f %@", v, units[i])
}
