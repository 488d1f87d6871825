import ClipzCore
import Foundation

/// One line of the summary table shared by the terminal output and the HTML page.
public struct SummaryRow: Sendable {
    public enum Status: String, Sendable { case pass, fail, info }
    public var metric: String
    public var value: String
    /// The rule applied, e.g. "≥ 0.999000"; empty for informational rows.
    public var check: String
    public var status: Status
}

extension ValidationReport {
    /// The summary table: parity per tower, zero-shot, size and speed.
    public var summaryRows: [SummaryRow] {
        var rows: [SummaryRow] = []
        let minCos = thresholds.minCosine
        for (name, t) in [("image", image), ("text", text)] {
            guard let t else { rows.append(.init(metric: "\(name) tower", value: "not compared", check: "", status: .info)); continue }
            rows.append(.init(metric: "\(name) cosine mean", value: f6(t.cosine.mean) + " (n=\(t.n))", check: "", status: .info))
            rows.append(.init(metric: "\(name) cosine p1", value: f6(t.cosine.p1), check: "", status: .info))
            rows.append(.init(metric: "\(name) cosine min", value: f6(t.cosine.min), check: "≥ " + f6(minCos),
                              status: t.cosine.min >= minCos ? .pass : .fail))
            rows.append(.init(metric: "\(name) max |Δ| (normalised)", value: String(format: "%.3e", t.maxAbsDiff), check: "", status: .info))
            if let worst = t.drift.enumerated().min(by: { $0.element < $1.element }) {
                rows.append(.init(metric: "\(name) drift (lowest block)", value: f6(worst.element) + " @ block \(worst.offset)", check: "", status: .info))
            }
        }
        if let a = accuracy {
            let ref = a.reference.map { pct($0) } ?? "n/a"
            rows.append(.init(metric: "zero-shot accuracy", value: "\(ref) → \(pct(a.candidate))", check: "", status: .info))
            if let drop = a.drop {
                rows.append(.init(metric: "accuracy drop", value: String(format: "%+.2f points", drop),
                                  check: String(format: "≤ %.2f", thresholds.maxAccuracyDrop), status: drop <= thresholds.maxAccuracyDrop ? .pass : .fail))
            }
        }
        if let ag = top1Agreement { rows.append(.init(metric: "top-1 agreement", value: pct(ag), check: "", status: .info)) }
        if let c = candidate.bytes {
            var v = formatBytes(c)
            if let r = reference.bytes, r > 0 { v = "\(formatBytes(r)) → \(v) (\(String(format: "%.1f%%", Double(c) / Double(r) * 100)))" }
            rows.append(.init(metric: "size", value: v, check: "", status: .info))
        }
        if let c = candidate.imagesPerSecond {
            var v = String(format: "%.1f img/s", c)
            if let r = reference.imagesPerSecond, r > 0 { v = String(format: "%.1f → %.1f img/s (%.2f×)", r, c, c / r) }
            rows.append(.init(metric: "speed (batch \(speedBatch))", value: v, check: "", status: .info))
        }
        return rows
    }

    /// "PASS" or "FAIL: reason; reason".
    public var verdictLine: String { passed ? "PASS" : "FAIL: " + failures.joined(separator: "; ") }

    /// The summary as an aligned plain-text table followed by notes and the verdict line.
    public func textSummary() -> String {
        let rows = summaryRows
        let w0 = max(6, rows.map(\.metric.count).max() ?? 0), w1 = max(5, rows.map(\.value.count).max() ?? 0)
        func line(_ a: String, _ b: String, _ c: String, _ d: String) -> String {
            (a.padding(toLength: w0, withPad: " ", startingAt: 0) + "  " + b.padding(toLength: w1, withPad: " ", startingAt: 0) + "  " + c.padding(toLength: 12, withPad: " ", startingAt: 0) + "  " + d)
                .trimmingCharacters(in: .whitespaces)
        }
        var out = ["candidate  \(candidate.name)", "reference  \(reference.name)", "images     \(imageInputs)", "texts      \(textInputs)", ""]
        out.append(line("metric", "value", "check", ""))
        out.append(String(repeating: "-", count: w0 + w1 + 20))
        for r in rows { out.append(line(r.metric, r.value, r.check, r.status == .info ? "" : r.status.rawValue.uppercased())) }
        for (name, t) in [("image", image), ("text", text)] where !(t?.drift.isEmpty ?? true) {
            out.append("\(name) drift per block: " + t!.drift.map { String(format: "%.6f", $0) }.joined(separator: " "))
        }
        for n in notes { out.append("note: \(n)") }
        out.append(verdictLine)
        return out.joined(separator: "\n")
    }
}

func f6(_ x: Double) -> String { x.isFinite ? String(format: "%.6f", x) : "nan" }
func pct(_ x: Double) -> String { x.isFinite ? String(format: "%.2f%%", x * 100) : "nan" }
