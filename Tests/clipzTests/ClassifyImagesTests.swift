import ClipzFormat
import ClipzImport
import ClipzRuntime
import Foundation
import XCTest
@testable import clipz

/// `clipz classify --image … --labels …`: per-image zero-shot scores from the command line, checked against
/// scores computed here from the model's embeddings (CLIP softmax) and against transformers' own SigLIP logits.
final class ClassifyImagesTests: XCTestCase {
    var dir = ""
    override func setUpWithError() throws { dir = try ValidateFixtures.tempDir() }
    override func tearDownWithError() throws { if !dir.isEmpty { try? FileManager.default.removeItem(atPath: dir) } }

    func exe() throws -> String {
        guard let e = ValidateFixtures.executable else { throw MissingFixture("clipz executable not built beside the tests") }
        return e
    }

    /// Runs `clipz classify ARGS --json --quiet`; returns the labels and each image's scores in label order.
    func classify(_ args: [String]) throws -> (labels: [String], rows: [[Double]], top: [String], scoring: String) {
        let (status, out, err) = try ValidateFixtures.runExecutable(try exe(), ["classify"] + args + ["--json", "--quiet"])
        XCTAssertEqual(status, 0, err)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let images = try XCTUnwrap(json["images"] as? [[String: Any]])
        return (try XCTUnwrap(json["labels"] as? [String]), try images.map { try XCTUnwrap($0["scores"] as? [Double]) },
                try images.map { try XCTUnwrap($0["top"] as? String) }, try XCTUnwrap(json["scoring"] as? String))
    }

    /// Cosine of two rows.
    func cosine(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Double {
        var ab = 0.0, aa = 0.0, bb = 0.0
        for (x, y) in zip(a, b) { ab += Double(x) * Double(y); aa += Double(x) * Double(x); bb += Double(y) * Double(y) }
        return ab / (aa.squareRoot() * bb.squareRoot())
    }

    func testDigitImagesGetTheSoftmaxOfTheirEmbeddingsAndTheirOwnDigit() throws {
        let digits = ValidateFixtures.digits
        guard FileManager.default.fileExists(atPath: digits + "/heldout") else { throw MissingFixture("Tests/Fixtures/digits not present") }
        let model = dir + "/digits.clipz"
        try ValidateFixtures.convert([digits + "/model.safetensors"], to: model)
        let names = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
        let images = try names.map { name -> String in
            let folder = digits + "/heldout/" + name
            return folder + "/" + (try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: folder).sorted().first))
        }
        let template = "a photo of the number {}."
        let r = try classify([model, "--labels", names.joined(separator: " , "), "--template", template, "--batch", "4"] + images.flatMap { ["--image", $0] })
        XCTAssertEqual(r.scoring, "softmax")
        XCTAssertEqual(r.labels, names)   // blanks around the commas dropped
        // --batch 4: images and prompts run in chunks of 4; the scores below come from one pass over all of them.
        XCTAssertEqual(r.rows.count, images.count)
        // The same scores computed here: softmax over exp(logit_scale) · cos, from the library's embeddings.
        let m = try CLIPModel(path: model)
        let img = try m.embed(imagePaths: images), txt = try m.embed(texts: names.map { template.replacingOccurrences(of: "{}", with: $0) })
        let d = m.embedDim
        var correct = 0
        for (i, row) in r.rows.enumerated() {
            let logits = names.indices.map { j in Double(m.logitScale) * cosine(img[(i * d)..<((i + 1) * d)], txt[(j * d)..<((j + 1) * d)]) }
            let top = logits.max()!, exps = logits.map { Foundation.exp($0 - top) }, sum = exps.reduce(0, +)
            for j in names.indices { XCTAssertEqual(row[j], exps[j] / sum, accuracy: 1e-5, "\(images[i]) \(names[j])") }
            XCTAssertEqual(row.reduce(0, +), 1, accuracy: 1e-5)
            XCTAssertEqual(r.top[i], names[row.indices.max { row[$0] < row[$1] }!])
            if r.top[i] == names[i] { correct += 1 }
        }
        // The trained digits model gets ~98% of the held-out set (reference.json): nearly all of these ten.
        XCTAssertGreaterThanOrEqual(correct, 9, "top labels \(r.top)")
    }

    func testSigLIPScoresAreTransformersSigmoidPerLabel() throws {
        let folder = ValidateFixtures.tests + "/ClipzImportTests/Fixtures/siglip_hf"
        let golden = try NumpyFiles.readNPZ(folder + "/golden.npz")
        let model = dir + "/siglip.clipz"
        try ValidateFixtures.convert([folder], to: model)
        // Labels are two of the golden captions, run as they are (template "{}").
        let captions = ["a photo of a cat", "a red car with 42 wheels"], goldenRows = [0, 2]
        let r = try classify([model, "--image", folder + "/photo_97x61.png", "--labels", captions.joined(separator: ","), "--template", "{}"])
        XCTAssertEqual(r.scoring, "sigmoid")
        // transformers' logits_per_image = s · cos + b: recover s and b from two of its entries, then score the
        // photo (transformers' embedding of it) against the captions with them.
        func floats(_ k: String) throws -> [Float] { try XCTUnwrap(golden[k]).floats() }
        let ie = try floats("image_embeds"), te = try floats("text_embeds"), lg = try floats("logits_per_image"), pe = try floats("photo_image_embeds")
        let w = ie.count / 2
        let c0 = cosine(ie[0..<w], te[0..<w]), c1 = cosine(ie[0..<w], te[w..<(2 * w)])
        let s = (Double(lg[0]) - Double(lg[1])) / (c0 - c1), b = Double(lg[0]) - s * c0
        var sum = 0.0
        for (j, row) in goldenRows.enumerated() {
            let logit = s * cosine(pe[0..<w], te[(row * w)..<((row + 1) * w)]) + b
            // Compared as logits: these scores are ~1e-3, where an absolute bound would say little. End to end,
            // Clipz decodes and resizes the PNG itself (within 2/255 of PIL): measured 1.3e-3 apart.
            let p = r.rows[0][j]
            XCTAssertEqual(Foundation.log(p / (1 - p)), logit, accuracy: 1e-2, captions[j])
            sum += p
        }
        XCTAssertNotEqual(sum, 1, accuracy: 1e-3, "sigmoid scores are per label, not a softmax")
    }

    func testUsageErrorsExitTwoAndAMissingImageIsNamed() throws {
        let folder = ValidateFixtures.tests + "/ClipzImportTests/Fixtures/siglip_hf"
        let model = dir + "/siglip.clipz", png = folder + "/photo_97x61.png"
        try ValidateFixtures.convert([folder], to: model)
        for (args, message) in [([model], "either --dataset"), ([model, "--image", png], "needs --labels"),
                                ([model, "--image", png, "--labels", "a,,b"], "empty name"),
                                ([model, "--image", png, "--labels", "a,b,a"], "twice"),
                                ([model, "--dataset", dir, "--labels", "a,b"], "--labels goes with --image"),
                                ([model, "--dataset", dir, "--image", png, "--labels", "a,b"], "either --dataset")] {
            let (status, _, err) = try ValidateFixtures.runExecutable(try exe(), ["classify"] + args)
            XCTAssertEqual(status, 2, "\(args): \(err)")
            XCTAssertTrue(err.contains(message), "\(args): \(err)")
        }
        let missing = dir + "/no-such-image.png"
        let (status, _, err) = try ValidateFixtures.runExecutable(try exe(), ["classify", model, "--image", missing, "--labels", "a,b"])
        XCTAssertEqual(status, 1, err)
        XCTAssertTrue(err.contains(missing), err)
    }
}
