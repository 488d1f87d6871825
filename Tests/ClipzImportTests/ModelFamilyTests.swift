import ClipzCore
import Foundation
import XCTest
@testable import ClipzImport

/// Other image-text families are refused by name, not with a misleading CLIP detail.
final class ModelFamilyTests: XCTestCase {
    private func message(_ body: () throws -> Void) -> String {
        do { try body(); return "no error" } catch { return "\(error)" }
    }

    func testFamiliesAreNamedFromConfigsAndTensorNames() throws {
        let weights = PyTorchReaderTests.fixtures + "/hf_tiny/model.safetensors"
        for (config, family) in [(#"{"model_type": "siglip2", "vision_config": {}, "text_config": {}}"#, "SigLIP 2 NaFlex"),
                                 (#"{"model_type": "owlvit", "text_config": {}}"#, "OWL-ViT"),
                                 (#"{"embed_dim": 1024, "vision_cfg": {"image_size": 224, "layers": [3, 4, 6, 3], "width": 64}, "text_cfg": {}}"#, "ResNet CLIP"),
                                 (#"{"model_cfg": {"embed_dim": 768, "init_logit_bias": -10, "vision_cfg": {"timm_model_name": "vit_base_patch16_siglip_224"}, "text_cfg": {}}}"#, "SigLIP"),
                                 (#"{"embed_dim": 640, "vision_cfg": {"timm_model_name": "convnext_base"}, "text_cfg": {}}"#, "ConvNeXt CLIP")] {
            let dir = try makeTempDir("family")
            try Data(config.utf8).write(to: URL(fileURLWithPath: dir + "/cfg.json"))
            let m = message { _ = try DumpImporter.load(paths: [weights], configPath: dir + "/cfg.json") }
            XCTAssertTrue(m.contains(family) && m.contains("not supported yet") && m.contains("cfg.json"), m)
        }
        // No config: tensor names.
        for (name, family) in [("visual.attnpool.c_proj.weight", "ResNet CLIP"), ("visual.trunk.stem.0.weight", "timm image tower")] {
            let dir = try makeTempDir("family")
            try write(DumpWriter.safetensors([try Tensor(name: name, shape: [2], floats: [1, 2])]), dir + "/model.safetensors")
            let m = message { _ = try DumpImporter.load(paths: [dir + "/model.safetensors"], configPath: nil) }
            XCTAssertTrue(m.contains(family) && m.contains("not supported yet"), m)
        }
    }

    /// SigLIP is converted; without its config.json (head count, pad id) it is refused with what to do.
    func testSigLIPWeightsWithoutTheirConfigAskForIt() throws {
        let dir = try makeTempDir("siglip")
        try FileManager.default.copyItem(atPath: PyTorchReaderTests.fixtures + "/siglip_hf/model.safetensors", toPath: dir + "/model.safetensors")
        let m = message { _ = try DumpImporter.load(paths: [dir + "/model.safetensors"], configPath: nil) }
        XCTAssertTrue(m.contains("SigLIP checkpoint needs its config.json") && m.contains("--config"), m)
    }
}
