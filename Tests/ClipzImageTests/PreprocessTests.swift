import ClipzCore
import Foundation
import XCTest
@testable import ClipzImage

/// Preprocessing against torchvision/open_clip goldens made on Pillow images.
final class PreprocessTests: XCTestCase {
    private func preprocessor(_ size: Int, _ manifest: Fixtures.Manifest, _ resample: String? = nil) throws -> Preprocessor {
        let filter = try XCTUnwrap(ResampleFilter(rawValue: resample ?? "bicubic"))
        return try Preprocessor(resizeShortest: size, cropSize: size, mean: manifest.mean, std: manifest.std, resample: filter)
    }

    /// Full float32 tensors: PNG input must be (near) bit-exact.
    func testTensorsMatchOpenCLIP() throws {
        let manifest = try Fixtures.manifest()
        XCTAssertFalse(manifest.tensors.isEmpty)
        for g in manifest.tensors {
            let image = try ImageDecoder.decode(path: Fixtures.path(g.image))
            let golden = try Npy(Fixtures.url(g.file))
            XCTAssertEqual(golden.shape, [3, g.size, g.size])
            let ours = try preprocessor(g.size, manifest).tensor(image)
            let (mx, mean) = diffStats(ours, golden.floats)
            print("tensor \(g.image) @\(g.size): max |diff| \(mx), mean \(mean)")
            XCTAssertLessThanOrEqual(mx, 0.02, g.file)
            XCTAssertLessThanOrEqual(mean, 0.002, g.file)
        }
    }

    /// uint8 crops (Pillow's image right before ToTensor), compared after normalisation.
    func testCropsMatchPillow() throws {
        let manifest = try Fixtures.manifest()
        XCTAssertFalse(manifest.crops.isEmpty)
        for g in manifest.crops {
            let image = try ImageDecoder.decode(path: Fixtures.path(g.image))
            let golden = try Npy(Fixtures.url(g.file))
            XCTAssertEqual(golden.shape, [g.size, g.size, 3])
            let p = try preprocessor(g.size, manifest, g.resample)
            let crop = p.resizeAndCrop(image)
            let ref = golden.bytes
            let differing = zip(crop.pixels, ref).filter { $0 != $1 }.count
            let refImage = try RGBImage(width: g.size, height: g.size, pixels: ref)
            let (mx, mean) = diffStats(p.tensor(image), p.tensor(refImage))
            print("crop \(g.image) @\(g.size) \(g.resample ?? "bicubic"): \(differing)/\(ref.count) bytes differ; tensor max |diff| \(mx), mean \(mean)")
            // PNG crops are pure resampling, which replicates Pillow bit for bit; JPEG crops also
            // carry any decoder difference, so they get the normalised-unit tolerance only.
            if g.image.hasSuffix(".png") { XCTAssertEqual(differing, 0, g.file) }
            XCTAssertLessThanOrEqual(mx, 0.02, g.file)
            XCTAssertLessThanOrEqual(mean, 0.002, g.file)
        }
    }

    func testResizedSizeFollowsTorchvision() throws {
        let p = try Preprocessor(resizeShortest: 224, cropSize: 224)
        XCTAssertTrue(p.resizedSize(width: 640, height: 480) == (298, 224))  // int(224*640/480)=298
        XCTAssertTrue(p.resizedSize(width: 300, height: 500) == (224, 373))
        XCTAssertTrue(p.resizedSize(width: 97, height: 61) == (356, 224))
        XCTAssertTrue(p.resizedSize(width: 5, height: 5) == (224, 224))
    }

    /// A 1-pixel-high input resized to 4 with crop 6 pads with zeros (normalised to -mean/std).
    func testPaddingWhenCropExceedsResize() throws {
        let image = try RGBImage(width: 8, height: 4, pixels: [UInt8](repeating: 200, count: 8 * 4 * 3))
        let p = try Preprocessor(resizeShortest: 4, cropSize: 6)
        let crop = p.resizeAndCrop(image)  // resized 8x4, crop offset x=1, pad y: 1 top, 1 bottom
        XCTAssertEqual(crop.width, 6)
        XCTAssertEqual(Array(crop.pixels[0..<18]), [UInt8](repeating: 0, count: 18))
        XCTAssertEqual(Array(crop.pixels[18..<36]), [UInt8](repeating: 200, count: 18))
        XCTAssertEqual(Array(crop.pixels[(5 * 18)...]), [UInt8](repeating: 0, count: 18))
        let t = p.tensor(image)
        XCTAssertEqual(t[0], (0 - p.mean[0]) / p.std[0])
    }

    func testBilinearAndInvalidParameters() throws {
        let image = try ImageDecoder.decode(path: Fixtures.path("rgb_97x61.png"))
        let bl = try Preprocessor(resizeShortest: 32, cropSize: 32, resample: .bilinear).tensor(image)
        let bc = try Preprocessor(resizeShortest: 32, cropSize: 32, resample: .bicubic).tensor(image)
        XCTAssertEqual(bl.count, 3 * 32 * 32)
        XCTAssertNotEqual(bl, bc)
        XCTAssertThrowsError(try Preprocessor(resizeShortest: 0, cropSize: 224))
        XCTAssertThrowsError(try Preprocessor(resizeShortest: 224, cropSize: 224, std: [1, 0, 1]))
        XCTAssertThrowsError(try Preprocessor(Preprocessing(resizeShortest: 224, cropSize: 224, resample: "lanczos")))
        XCTAssertNoThrow(try Preprocessor(Preprocessing(resizeShortest: 224, cropSize: 224, resample: "BICUBIC")))
    }
}

/// Both pipelines CLIP checkpoints ship with, on photos whose crop starts at a half pixel (640×427 →
/// 335×224: (335 − 224) / 2 = 55.5): Hugging Face's CLIPImageProcessor (transformers 5) starts at 55,
/// open_clip's transform at 56 (Tools/make_hf_preprocess_goldens.py; goldens stored as uint8).
final class PipelineCropTests: XCTestCase {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/pipelines").path

    private func worst(_ crop: RGBImage, _ golden: [UInt8]) -> Int {
        zip(crop.pixels, golden).map { abs(Int($0) - Int($1)) }.max() ?? .max
    }

    func testEachSourceRuleMatchesItsOwnPipelineWithinTwoLevels() throws {
        for name in ["landscape_640x427", "portrait_427x640"] {
            let image = try ImageDecoder.decode(path: Self.dir + "/\(name).png")
            let hf = try Npy(URL(fileURLWithPath: Self.dir + "/hf_\(name).npy")).bytes
            let oc = try Npy(URL(fileURLWithPath: Self.dir + "/openclip_\(name).npy")).bytes
            let floor = try Preprocessor(cropOffset: .floor).resizeAndCrop(image), round = try Preprocessor(cropOffset: .round).resizeAndCrop(image)
            print("\(name): floor vs HF \(worst(floor, hf)), round vs open_clip \(worst(round, oc)), round vs HF \(worst(round, hf))")
            XCTAssertLessThanOrEqual(worst(floor, hf), 2, name)
            XCTAssertLessThanOrEqual(worst(round, oc), 2, name)
            // The rules really differ here: the other pipeline's rule is a column off.
            XCTAssertGreaterThan(worst(round, hf), 32, name)
            XCTAssertGreaterThan(worst(floor, oc), 32, name)
        }
    }

    func testRuleIsRecordedAndOldFilesReadAsRound() throws {
        let json = #"{"resize_shortest":224,"crop_size":224,"resample":"bicubic","mean":[0,0,0],"std":[1,1,1]}"#
        XCTAssertEqual(try JSONDecoder().decode(Preprocessing.self, from: Data(json.utf8)).cropOffset, .round)
        let hf = Preprocessing(resizeShortest: 224, cropSize: 224, cropOffset: .floor)
        let back = try JSONDecoder().decode(Preprocessing.self, from: JSONEncoder().encode(hf))
        XCTAssertEqual(back, hf)
        XCTAssertEqual(try Preprocessor(back).cropOffset, .floor)
    }
}
