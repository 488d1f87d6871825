import ClipzCore
import Foundation
import XCTest
@testable import ClipzImport

/// Checkpoints written by transformers / open_clip (Tools/make_fixtures.py, see Fixtures/README.md)
/// must import to exactly the canonical tensors the generator computed in Python.
final class DumpImportTestsFixtures: XCTestCase {
    static var fixtures: String {
        if let p = Bundle.module.path(forResource: "Fixtures", ofType: nil) { return p }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
    }

    func path(_ rel: String) throws -> String {
        let p = Self.fixtures + "/" + rel
        guard FileManager.default.fileExists(atPath: p) else { throw MissingFixture("fixture \(rel) not generated yet") }
        return p
    }

    /// The generator's canonical dump, read through the same importer (canonical names, stored or deflate npz).
    func expected(_ folder: String) throws -> (ModelSource, [Tensor]) {
        let m = try DumpImporter.load(paths: [try path(folder + "/canonical.npz")], configPath: try path(folder + "/canonical_config.json"))
        return (m, try m.tensors.map { try $0.load() })
    }

    func testHFSafetensors() throws {
        let (want, tensors) = try expected("hf_tiny")
        let m = try DumpImporter.load(paths: [try path("hf_tiny/model.safetensors")], configPath: nil)
        XCTAssertEqual(m.metadata.provenance.importer, "safetensors-hf")
        XCTAssertEqual(m.metadata.config, want.metadata.config)
        XCTAssertEqual(m.metadata.config.text!.pooling, .argmaxID)
        XCTAssertEqual(m.metadata.tokenizer.bosTokenID, 510)
        try assertSameTensors(m, tensors)
    }

    func testHFNpz() throws {
        let (want, tensors) = try expected("hf_tiny")
        let m = try DumpImporter.load(paths: [try path("hf_tiny/model.npz")], configPath: nil)
        XCTAssertEqual(m.metadata.provenance.importer, "npz")
        XCTAssertEqual(m.metadata.config, want.metadata.config)
        try assertSameTensors(m, tensors)
    }

    func testOpenCLIPSafetensors() throws {
        let (want, tensors) = try expected("openclip_tiny")
        let m = try DumpImporter.load(paths: [try path("openclip_tiny/open_clip_model.safetensors")], configPath: nil)
        XCTAssertEqual(m.metadata.provenance.importer, "safetensors-open_clip")
        XCTAssertEqual(m.metadata.config, want.metadata.config)
        try assertSameTensors(m, tensors)
    }

    func testCanonicalConfigsMatchTheirHFAndOpenCLIPSources() throws {
        let hf = try DumpSettings.parse(try path("hf_tiny/config.json")).config
        XCTAssertEqual(hf, try DumpSettings.parse(try path("hf_tiny/canonical_config.json")).config)
        let oc = try DumpSettings.parse(try path("openclip_tiny/open_clip_config.json")).config
        XCTAssertEqual(oc, try DumpSettings.parse(try path("openclip_tiny/canonical_config.json")).config)
        XCTAssertEqual(try DumpSettings.parse(try path("hf_plain/canonical_config.json")).config?.text?.pooling, .firstEOS)
    }

    /// Variants built from the HF fixture at test time: npy folder, sharded safetensors, raw dump.
    func testDerivedVariantsOfTheHFFixture() throws {
        let (want, tensors) = try expected("hf_tiny")
        let src = try sourceTensorsOf(try path("hf_tiny/model.safetensors"))
        let dir = try makeTempDir("hfvariants")
        try FileManager.default.copyItem(atPath: try path("hf_tiny/config.json"), toPath: dir + "/config.json")
        // npy folder
        try FileManager.default.createDirectory(atPath: dir + "/npy", withIntermediateDirectories: true)
        for t in src { try write(DumpWriter.npy(t), dir + "/npy/\(t.name).npy") }
        let npy = try DumpImporter.load(paths: [dir + "/npy"], configPath: dir + "/config.json")
        XCTAssertEqual(npy.metadata.config, want.metadata.config)
        try assertSameTensors(npy, tensors)
        // three shards + index
        try FileManager.default.createDirectory(atPath: dir + "/sharded", withIntermediateDirectories: true)
        var map: [String] = []
        for k in 0..<3 {
            let part = src.enumerated().filter { $0.offset % 3 == k }.map(\.element)
            try write(DumpWriter.safetensors(part), dir + "/sharded/s\(k).safetensors")
            map += part.map { "\"\($0.name)\": \"s\(k).safetensors\"" }
        }
        try write(Array("{\"weight_map\": {\(map.joined(separator: ","))}}".utf8), dir + "/sharded/model.safetensors.index.json")
        try assertSameTensors(try DumpImporter.load(paths: [dir + "/sharded"], configPath: dir + "/config.json"), tensors)
        // raw dump, one .bin per tensor
        try FileManager.default.createDirectory(atPath: dir + "/raw/data", withIntermediateDirectories: true)
        var entries: [String] = []
        for (i, t) in src.enumerated() {
            try write(t.bytes, dir + "/raw/data/\(i).bin")
            entries.append("{\"name\": \"\(t.name)\", \"dtype\": \"f32\", \"shape\": \(t.shape), \"file\": \"data/\(i).bin\", \"offset\": 0}")
        }
        try write(Array("{\"format\": \"clipz-raw-dump\", \"version\": 1, \"tensors\": [\(entries.joined(separator: ","))]}".utf8), dir + "/raw/manifest.json")
        try assertSameTensors(try DumpImporter.load(paths: [dir + "/raw"], configPath: dir + "/config.json"), tensors)
    }

    func sourceTensorsOf(_ file: String) throws -> [Tensor] {
        try SafetensorsReader.read(path: file).map { try Tensor(name: $0.name, dtype: $0.dtype.loaded, shape: $0.shape, bytes: $0.readBytes()) }
    }
}
