import Foundation

/// Inline SVG line chart of per-block drift, plotted as 1 − cosine on a log scale: cosines of a good
/// candidate sit at 0.9999…, where a linear axis shows a flat line while the log axis shows each
/// block's error growing.
struct DriftChart {
    var title: String
    var drift: [Double]
    /// Drawn as a dashed guide (the embedding threshold, 1 − min cosine).
    var guide: Double?
    var color = "#2563eb"
    var width = 560.0, height = 260.0

    static let minError = 1e-9

    func svg() -> String {
        let ml = 64.0, mr = 16.0, mt = 34.0, mb = 40.0
        let pw = width - ml - mr, ph = height - mt - mb
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"100%\" role=\"img\" aria-label=\"\(html(title))\">"
        s += "<text x=\"\(ml)\" y=\"20\" class=\"ct\">\(html(title))</text>"
        guard !drift.isEmpty else {
            s += "<rect x=\"\(ml)\" y=\"\(mt)\" width=\"\(pw)\" height=\"\(ph)\" class=\"pa\"/>"
            s += "<text x=\"\(ml + pw / 2)\" y=\"\(mt + ph / 2)\" text-anchor=\"middle\" class=\"em\">no per-block drift (reference has no hidden states)</text></svg>"
            return s
        }
        let errs = drift.map { $0.isFinite ? max(1 - $0, DriftChart.minError) : 1 }
        // A little headroom below the lowest point so it does not sit on the axis.
        var lo = floor(log10(min(errs.min() ?? 1, guide.map { max($0, DriftChart.minError) } ?? 1)) - 0.15)
        var hi = ceil(log10(max(errs.max() ?? 1, guide ?? 0)))
        if hi <= lo { hi = lo + 1 }
        lo = max(lo, -9); hi = min(max(hi, lo + 1), 1)
        func x(_ i: Int) -> Double { drift.count == 1 ? ml + pw / 2 : ml + pw * Double(i) / Double(drift.count - 1) }
        func y(_ e: Double) -> Double { mt + ph * (hi - log10(max(e, DriftChart.minError))) / (hi - lo) }
        s += "<rect x=\"\(ml)\" y=\"\(mt)\" width=\"\(pw)\" height=\"\(ph)\" class=\"pa\"/>"
        // Decade grid lines labelled as powers of ten.
        for p in stride(from: Int(lo), through: Int(hi), by: 1) {
            let yy = y(pow(10, Double(p)))
            s += "<line x1=\"\(ml)\" x2=\"\(ml + pw)\" y1=\"\(fmt(yy))\" y2=\"\(fmt(yy))\" class=\"gr\"/>"
            s += "<text x=\"\(ml - 8)\" y=\"\(fmt(yy + 4))\" text-anchor=\"end\" class=\"ax\">1e\(p)</text>"
        }
        let step = max(1, drift.count / 12)
        for i in stride(from: 0, to: drift.count, by: step) {
            s += "<text x=\"\(fmt(x(i)))\" y=\"\(fmt(mt + ph + 18))\" text-anchor=\"middle\" class=\"ax\">\(i)</text>"
        }
        s += "<text x=\"\(fmt(ml + pw / 2))\" y=\"\(fmt(height - 4))\" text-anchor=\"middle\" class=\"al\">block</text>"
        s += "<text transform=\"translate(14 \(fmt(mt + ph / 2))) rotate(-90)\" text-anchor=\"middle\" class=\"al\">1 − cosine</text>"
        if let guide, guide > 0 {
            let gy = y(guide)
            if gy >= mt && gy <= mt + ph {
                s += "<line x1=\"\(ml)\" x2=\"\(ml + pw)\" y1=\"\(fmt(gy))\" y2=\"\(fmt(gy))\" class=\"gd\"/>"
                s += "<text x=\"\(fmt(ml + pw - 4))\" y=\"\(fmt(gy - 5))\" text-anchor=\"end\" class=\"gl\">embedding threshold</text>"
            }
        }
        let pts = errs.indices.map { "\(fmt(x($0))),\(fmt(y(errs[$0])))" }.joined(separator: " ")
        let area = "\(fmt(x(0))),\(fmt(mt + ph)) " + pts + " \(fmt(x(errs.count - 1))),\(fmt(mt + ph))"
        s += "<polygon points=\"\(area)\" fill=\"\(color)\" fill-opacity=\"0.08\"/>"
        s += "<polyline points=\"\(pts)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2.2\" stroke-linejoin=\"round\"/>"
        for (i, e) in errs.enumerated() {
            s += "<circle cx=\"\(fmt(x(i)))\" cy=\"\(fmt(y(e)))\" r=\"3.6\" fill=\"#fff\" stroke=\"\(color)\" stroke-width=\"2\">"
            s += "<title>block \(i): cosine \(drift[i].isFinite ? String(format: "%.9f", drift[i]) : "nan")</title></circle>"
        }
        return s + "</svg>"
    }

    private func fmt(_ v: Double) -> String { String(format: "%.1f", v) }
}

/// Escapes text for HTML element content and attribute values.
func html(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.count)
    for c in s {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(c)
        }
    }
    return out
}
