import ClipzCore
import Foundation
import XCTest
@testable import ClipzImport

/// Which crop rule each source records (Formats/clipz.md `crop_offset`).
final class SourcePipelineTests: XCTestCase {
    func testHuggingFaceSourcesCropLikeTheHFProcessorOthersLikeTorchvision() throws {
        let f = PyTorchReaderTests.fixtures
        func offset(_ paths: [String], config: String? = nil) throws -> Preprocessing.CropOffset {
            try SourceImporter.load(paths: paths.map { f + "/" + $0 }, options: .init(configPath: config.map { f + "/" + $0 })).0.metadata.preprocessing.cropOffset
        }
        XCTAssertEqual(try offset(["hf_tiny/model.safetensors"]), .floor)
        XCTAssertEqual(try offset(["hf_tiny/pytorch_model.bin"], config: "hf_tiny/config.json"), .floor)
        XCTAssertEqual(try offset(["openclip_pt/open_clip_pytorch_model.bin"]), .round)
        XCTAssertEqual(try offset(["hf_tiny/combined_op17.onnx"]), .round)  // a bare graph: no processor beside it
        // An ONNX export with the HF processor saved beside it.
        let dir = try makeTempDir("onnx-pp")
        try FileManager.default.copyItem(atPath: f + "/hf_tiny/combined_op17.onnx", toPath: dir + "/model.onnx")
        try Data(#"{"image_processor_type": "CLIPImageProcessor", "size": {"shortest_edge": 32}, "crop_size": {"height": 32, "width": 32}}"#.utf8)
            .write(to: URL(fileURLWithPath: dir + "/preprocessor_config.json"))
        let (src, _) = try SourceImporter.load(paths: [dir + "/model.onnx"])
        XCTAssertEqual(src.metadata.preprocessing.cropOffset, .floor)
        XCTAssertTrue(src.metadata.provenance.sources.contains { $0.path.hasSuffix("preprocessor_config.json") })
    }
}
