import ClipzCore
import ClipzFormat
import ClipzQuant
import Foundation
import XCTest

/// Calibration files parsed (`CalibrationFile.decode`) and checked against a synthetic model; the
/// input bounds they are checked against hold for real LayerNorm outputs and are reached.
final class CalibrationCheckTests: XCTestCase {
    var dir = ""
    var file: ClipzFile!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("quant-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try ClipzWriter.write(SyntheticModel.make(config: SyntheticModel.tinyConfig(), seed: 4), to: dir + "/m.clipz")
        file = try ClipzFile(path: dir + "/m.clipz")
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    var linears: [String] { file.tensorNames.filter(CanonicalName.isLinearWeight).sorted() }

    /// A plausible file without smoothing: channel maxima at half each channel's bound, clip at half the top.
    func honest() throws -> CalibrationFile {
        let bounds = try InputBounds.of(file)
        var layers: [String: CalibrationFile.LayerStats] = [:]
        for name in linears {
            let k = try XCTUnwrap(file.entry(named: name)).shape.dropFirst().reduce(1, *)
            let m = bounds[name].map { $0.map { $0 / 2 } } ?? [Float](repeating: 2, count: k)
            layers[name] = .init(rows: 10, absMax: m.max()!, clip: m.max()!, channelAbsMax: m, smooth: nil, relativeError: 0.01)
        }
        return CalibrationFile(model: "synthetic", config: file.metadata.config, method: "minmax", percentile: nil, smoothAlpha: 0,
                               images: 2, texts: 2, layers: layers)
    }

    func testDecodeIsTheOneParseEntryAndRefusesWhatIsNotACalibrationFile() throws {
        let cal = try honest()
        let back = try CalibrationFile.decode(try cal.encoded(), source: "c.json")
        XCTAssertEqual(back.layers.count, linears.count)
        XCTAssertEqual(back.layers["text.proj.weight"]?.channelAbsMax, cal.layers["text.proj.weight"]?.channelAbsMax)
        for bad in ["", "[]", "{\"format\": 3}", String(repeating: "[", count: 100_000)] {
            XCTAssertThrowsError(try CalibrationFile.decode(Data(bad.utf8), source: "c.json")) {
                guard case .calibration(file: "c.json", _)? = $0 as? QuantError else { return XCTFail("\($0)") }
            }
        }
        XCTAssertThrowsError(try CalibrationFile.decode(Data(count: CalibrationFile.maxBytes + 1), source: "c.json")) {
            XCTAssertTrue("\($0)".contains("larger than 128 MiB"), "\($0)")
        }
        var other = cal
        other.format = "something-else"
        XCTAssertThrowsError(try CalibrationFile.decode(try other.encoded(), source: "c.json"))
        var newer = cal
        newer.version = CalibrationFile.currentVersion + 1
        XCTAssertThrowsError(try CalibrationFile.decode(try newer.encoded(), source: "c.json")) {
            XCTAssertTrue("\($0)".contains("newer"), "\($0)")
        }
    }

    func testAnHonestFileKeepsEveryLayerAndBadNumbersFallBackNamed() throws {
        let ok = try CalibrationCheck(try honest(), model: file, alpha: 0, source: "c.json")
        XCTAssertEqual(ok.fallbacks, [:])
        XCTAssertEqual(ok.layers.count, linears.count)

        var cal = try honest()
        cal.layers["text.layers.0.attn.q.weight"]?.clip = 1e38
        cal.layers["text.layers.1.mlp.fc2.weight"]?.clip = 1e38
        cal.layers["vision.layers.0.attn.out.weight"]?.clip = -1
        cal.layers["vision.layers.1.attn.v.weight"]?.channelAbsMax[3] = .nan
        cal.layers["vision.layers.0.mlp.fc1.weight"]?.channelAbsMax[0] = 1e6
        cal.layers["vision.patch_embed.weight"]?.clip = 1e38     // no bound: left to the measured guard
        cal.layers["text.proj.weight"] = nil
        let c = try CalibrationCheck(cal, model: file, alpha: 0, source: "c.json")
        XCTAssertEqual(Set(c.fallbacks.keys), ["text.layers.0.attn.q.weight", "text.layers.1.mlp.fc2.weight",
                                               "vision.layers.0.attn.out.weight", "vision.layers.1.attn.v.weight",
                                               "vision.layers.0.mlp.fc1.weight", "text.proj.weight"])
        XCTAssertTrue(c.fallbacks["text.layers.0.attn.q.weight"]!.contains("1e+38 is above"))
        XCTAssertTrue(c.fallbacks["vision.layers.0.attn.out.weight"]!.contains("not a positive finite"))
        XCTAssertTrue(c.fallbacks["vision.layers.1.attn.v.weight"]!.contains("channel_abs_max[3] = nan"))
        XCTAssertTrue(c.fallbacks["vision.layers.0.mlp.fc1.weight"]!.contains("channel_abs_max[0]"))
        XCTAssertEqual(c.fallbacks["text.proj.weight"], "no statistics in the calibration file")
        XCTAssertEqual(c.layers["vision.patch_embed.weight"]?.clip, 1e38)
        XCTAssertEqual(c.layers.count, linears.count - 6)
    }

    func testSmoothingIsRecomputedAndAStoredMismatchDropsTheWholeGroup() throws {
        var cal = try honest()
        cal.smoothAlpha = 0.5
        let q = "text.layers.0.attn.q.weight"
        let group = ["text.layers.0.attn.q.weight", "text.layers.0.attn.k.weight", "text.layers.0.attn.v.weight"]
        let good = try CalibrationCheck(cal, model: file, alpha: 0.5, source: "c.json")
        let s = try XCTUnwrap(good.smoothByLinear[q])
        XCTAssertEqual(good.smoothByLN["text.layers.0.ln1"], s)
        // A file measured with α 0.5 stores the smoothing factors and clips of |x / s|.
        for g in Smoothing.groups(file.metadata.config) {
            let f = try XCTUnwrap(good.smoothByLN[g.layerNorm])
            for name in g.linears {
                var l = try XCTUnwrap(cal.layers[name])
                l.smooth = f
                l.clip = zip(l.channelAbsMax, f).map { $0 / $1 }.max()!
                cal.layers[name] = l
            }
        }
        XCTAssertEqual(try CalibrationCheck(cal, model: file, alpha: 0.5, source: "c.json").fallbacks, [:])
        cal.layers["text.layers.0.attn.k.weight"]?.smooth?[0] *= 3
        let bad = try CalibrationCheck(cal, model: file, alpha: 0.5, source: "c.json")
        XCTAssertEqual(Set(bad.fallbacks.keys), Set(group))
        XCTAssertNil(bad.smoothByLN["text.layers.0.ln1"])
        XCTAssertNotNil(bad.smoothByLN["text.layers.0.ln2"])
    }

    func testStructureThatDoesNotFitTheModelIsRefused() throws {
        var extra = try honest()
        extra.layers["text.layers.7.attn.q.weight"] = extra.layers["text.layers.0.attn.q.weight"]
        XCTAssertThrowsError(try CalibrationCheck(extra, model: file, alpha: 0, source: "c.json")) {
            XCTAssertTrue("\($0)".contains("'text.layers.7.attn.q.weight' is not a linear layer"), "\($0)")
        }
        var short = try honest()
        short.layers["text.layers.0.mlp.fc2.weight"]?.channelAbsMax.removeLast()
        XCTAssertThrowsError(try CalibrationCheck(short, model: file, alpha: 0, source: "c.json")) {
            XCTAssertTrue("\($0)".contains("63 channel maxima"), "\($0)")
        }
        var arch = try honest()
        arch.config.text!.layers = 3
        XCTAssertThrowsError(try CalibrationCheck(arch, model: file, alpha: 0, source: "c.json"))
    }

    func testInputBoundsHoldForLayerNormOutputsAndAreReached() throws {
        let bounds = try InputBounds.of(file)
        let g = try file.floats("text.layers.1.ln1.weight"), b = try file.floats("text.layers.1.ln1.bias")
        let k = g.count
        let bound = try XCTUnwrap(bounds["text.layers.1.attn.q.weight"])
        var rng = SplitMix64(seed: 2)
        for trial in 0..<200 {
            // Random rows, heavy-tailed rows, and the extreme row (one channel against all others).
            var h = (0..<k).map { _ in rng.nextGaussian() * (trial % 2 == 0 ? 1 : 30) }
            let j = trial % k
            if trial >= 100 { h = (0..<k).map { $0 == j ? 1 : 0 } }
            let mean = h.reduce(0, +) / Float(k)
            let sd = (h.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(k) + 1e-5).squareRoot()
            for c in 0..<k {
                let x = g[c] * (h[c] - mean) / sd + b[c]
                XCTAssertLessThanOrEqual(abs(x), bound[c] * 1.0001, "trial \(trial) channel \(c)")
                if trial >= 100 && c == j { XCTAssertGreaterThanOrEqual(abs(x), bound[c] * 0.99 - 2 * abs(b[c])) }
            }
        }
        // fc2 reads QuickGELU(fc1(ln2 output)): its bound is at least every |fc1 output| such a row can give.
        let fc2 = try XCTUnwrap(bounds["text.layers.0.mlp.fc2.weight"])
        XCTAssertEqual(fc2.count, file.metadata.config.text!.mlpDim)
        XCTAssertNil(bounds["vision.patch_embed.weight"])
    }
}
