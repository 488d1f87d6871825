import ClipzFormat
import ClipzValidate
import Foundation
import XCTest
@testable import clipz

/// `clipz quantize --calibration` on the trained digits model (Tests/Fixtures/digits) with damaged
/// calibration files: the file is checked against the model and the guard is measured on the model,
/// so a damaged layer falls back to dynamic activations, is named (stderr, --json, provenance), and
/// the model keeps the honest calibration's accuracy. Issue 12: before, a clip of 1e38 on
/// text.layers.0.attn.q passed with exit 0, text cosine vs fp32 −0.15, accuracy 98.1% → 76.7%.
final class CalibrationGuardTests: XCTestCase {
    let digits = ValidateFixtures.digits
    let template = "a photo of the number {}."

    struct Quantized {
        var json: [String: Any]
        var stderr: String
        var file: ClipzFile
        var accuracy: Double
        var textCosineMin: Double
        var fallbacks: [String] { json["fallbacks"] as? [String] ?? [] }
        var reasons: [String: String] { json["fallback_reasons"] as? [String: String] ?? [:] }
    }

    func quantize(_ fp32: String, _ cal: String, to out: String) throws -> Quantized {
        let exe = try XCTUnwrap(ValidateFixtures.executable, "clipz executable not built beside the tests")
        let (status, stdout, stderr) = try ValidateFixtures.runExecutable(exe, ["quantize", fp32, "-o", out, "--type", "int8",
                                                                               "--calibration", cal, "--json"])
        XCTAssertEqual(status, 0, stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])
        let r = try ValidateFixtures.command([out, "--reference", fp32, "--dataset", digits + "/heldout", "--template", template,
                                              "--speed-runs", "0", "--quiet"]).makeReport()
        return Quantized(json: json, stderr: stderr, file: try ClipzFile(path: out), accuracy: try XCTUnwrap(r.accuracy).candidate,
                         textCosineMin: try XCTUnwrap(r.text).cosine.min)
    }

    /// The calibration JSON with one layer's fields replaced.
    func damaged(_ cal: String, layer: String, to out: String, _ change: (inout [String: Any]) -> Void) throws -> String {
        var root = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: cal))) as? [String: Any])
        var layers = try XCTUnwrap(root["layers"] as? [String: Any])
        var l = try XCTUnwrap(layers[layer] as? [String: Any])
        change(&l)
        layers[layer] = l
        root["layers"] = layers
        try JSONSerialization.data(withJSONObject: root).write(to: URL(fileURLWithPath: out))
        return out
    }

    func testDamagedClipsFallBackNamedAndKeepAccuracy() throws {
        let dir = try ValidateFixtures.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fp32 = dir + "/digits.clipz", cal = dir + "/cal.json"
        try ValidateFixtures.convert([digits + "/model.safetensors"], to: fp32)
        try Calibrate.parse([fp32, "--images", digits + "/heldout", "--max-images", "96", "-o", cal, "--quiet"]).run()

        let honest = try quantize(fp32, cal, to: dir + "/honest.clipz")
        print("honest: accuracy \(honest.accuracy), text cos min \(honest.textCosineMin), fallbacks \(honest.reasons)")
        XCTAssertEqual(honest.fallbacks, [])
        XCTAssertGreaterThanOrEqual(honest.accuracy, 0.97)
        XCTAssertGreaterThanOrEqual(honest.textCosineMin, 0.999)

        // A clip of 1e38 on a LayerNorm-fed layer: above the bound its LayerNorm allows.
        let q = "text.layers.0.attn.q.weight"
        let huge = try quantize(fp32, try damaged(cal, layer: q, to: dir + "/huge.json") { $0["clip"] = 1e38 }, to: dir + "/huge.clipz")
        print("clip 1e38 on \(q): accuracy \(huge.accuracy), text cos min \(huge.textCosineMin), \(huge.reasons)")
        XCTAssertEqual(huge.fallbacks, [q])
        XCTAssertTrue(huge.reasons[q]?.contains("1e+38 is above") == true, "\(huge.reasons)")
        XCTAssertTrue(huge.stderr.contains("'\(q)' kept dynamic activations"), huge.stderr)
        XCTAssertEqual(huge.file.metadata.provenance.quantization?.fallbacks, [q])
        XCTAssertTrue(huge.file.metadata.provenance.notes.contains { $0.contains(q) && $0.contains("1e+38") })
        XCTAssertNil(huge.file.entry(named: q + ".input_scale"))
        XCTAssertNotNil(huge.file.entry(named: "text.layers.0.attn.k.weight.input_scale"))
        XCTAssertEqual(huge.accuracy, honest.accuracy, accuracy: 1.5 / 360)
        XCTAssertGreaterThanOrEqual(huge.textCosineMin, 0.999)

        // A clip 1000× too small that claims a tiny error: inside every bound, caught by the measured guard.
        let fc2 = "text.layers.1.mlp.fc2.weight"
        let tinyCal = try damaged(cal, layer: fc2, to: dir + "/tiny.json") {
            $0["clip"] = (($0["clip"] as? Double) ?? 1) / 1000
            $0["relative_error"] = 0.0001
        }
        let tiny = try quantize(fp32, tinyCal, to: dir + "/tiny.clipz")
        print("clip / 1000 on \(fc2): accuracy \(tiny.accuracy), text cos min \(tiny.textCosineMin), \(tiny.reasons)")
        XCTAssertEqual(tiny.fallbacks, [fc2])
        XCTAssertTrue(tiny.reasons[fc2]?.contains("measured on the guard probe") == true, "\(tiny.reasons)")
        XCTAssertEqual(tiny.accuracy, honest.accuracy, accuracy: 1.5 / 360)
        XCTAssertGreaterThanOrEqual(tiny.textCosineMin, 0.999)

        // The patch embedding has no input bound (pixels are the caller's): 1e38 there is caught by measurement.
        let patch = "vision.patch_embed.weight"
        let p = try quantize(fp32, try damaged(cal, layer: patch, to: dir + "/patch.json") { $0["clip"] = 1e38 }, to: dir + "/patch.clipz")
        XCTAssertEqual(p.fallbacks, [patch])
        XCTAssertEqual(p.accuracy, honest.accuracy, accuracy: 1.5 / 360)

        // Structure that does not fit the model is refused (exit 1), naming the layer.
        let exe = try XCTUnwrap(ValidateFixtures.executable)
        let short = try damaged(cal, layer: q, to: dir + "/short.json") { $0["channel_abs_max"] = [1.0, 2.0] }
        let (status, _, err) = try ValidateFixtures.runExecutable(exe, ["quantize", fp32, "-o", dir + "/short.clipz", "--type", "int8",
                                                                        "--calibration", short])
        XCTAssertEqual(status, 1, err)
        XCTAssertTrue(err.contains(q) && err.contains("2 channel maxima"), err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/short.clipz"))
    }
}
