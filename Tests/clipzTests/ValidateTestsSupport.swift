import ClipzCore
import ClipzFormat
import ClipzImport
import ClipzQuant
import Foundation
import XCTest
@testable import clipz

/// Shared fixtures for the `clipz validate` tests: the tiny HF model (ONNX source, fp32 and int8
/// `.clipz`) with its golden pixels and token ids written out as .npy, and the trained digits model.
enum ValidateFixtures {
    static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().path
    static let hfTiny = tests + "/ClipzImportTests/Fixtures/hf_tiny"
    static let onnx = hfTiny + "/combined_op17.onnx"
    static let digits = tests + "/Fixtures/digits"

    /// A fresh temporary folder.
    static func tempDir() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("validate-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Converts `sources` to a fp32 `.clipz` at `out`.
    static func convert(_ sources: [String], to out: String) throws {
        let (src, _) = try SourceImporter.load(paths: sources)
        try ClipzWriter.write(src, to: out)
    }

    /// Writes an int8 weight-only copy of `fp32` to `out`.
    static func quantizeInt8(_ fp32: String, to out: String) throws {
        let (src, quant, _) = try Quantizer.quantize(try ClipzFile(path: fp32), options: .init(target: .int8))
        try ClipzWriter.write(src, to: out, quant: quant)
    }

    /// golden.npz's pixel_values and input_ids as separate .npy files in `dir`: (pixels, tokens).
    static func goldenInputs(in dir: String) throws -> (String, String) {
        let g = try NumpyFiles.readNPZ(hfTiny + "/golden.npz")
        let px = dir + "/pixels.npy", ids = dir + "/ids.npy"
        try NumpyFiles.writeNPY(try XCTUnwrap(g["pixel_values"]), to: px)
        try NumpyFiles.writeNPY(try XCTUnwrap(g["input_ids"]), to: ids)
        return (px, ids)
    }

    /// Parses `clipz validate` arguments into the command.
    static func command(_ args: [String]) throws -> Validate {
        try Validate.parse(args)
    }

    /// Path of the built `clipz` executable beside the test bundle, if it is there.
    static var executable: String? {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // Linux runs `<build>/XPackageTests.xctest`; macOS runs a tool inside a bundle: walk up a few levels.
        for _ in 0..<4 {
            let p = dir.appendingPathComponent("clipz").path
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: p, isDirectory: &isDir), !isDir.boolValue, FileManager.default.isExecutableFile(atPath: p) { return p }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    /// Runs the executable; returns (exit status, stdout, stderr).
    static func runExecutable(_ exe: String, _ args: [String]) throws -> (Int32, String, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        // stderr goes to a file so that neither pipe can fill up and stall the child.
        let errPath = FileManager.default.temporaryDirectory.appendingPathComponent("validate-err-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        let out = Pipe(), err = try XCTUnwrap(FileHandle(forWritingAtPath: errPath))
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        try err.close()
        let errText = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return (p.terminationStatus, String(decoding: data, as: UTF8.self), errText)
    }
}
