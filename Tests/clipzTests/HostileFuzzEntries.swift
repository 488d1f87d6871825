import ClipzCore
import ClipzImage
import ClipzText
import Foundation
@testable import ClipzFormat
@testable import ClipzImport

/// The fuzz targets' bodies, shared by the libFuzzer harness (Tools/fuzz/Harness.swift compiles
/// this very file) and by `HostileRegressionTests`, which replays committed crash inputs without
/// a sanitizer. Each entry feeds one input to one parser and returns or throws; anything else
/// (a trap, a sanitizer report, an allocation over the fuzzer's limit) is a bug.
enum FuzzEntries {
    /// Target names, also the folder names under Tools/fuzz/corpus and Tools/fuzz/regressions.
    static let targets = ["onnx", "safetensors", "npy", "npz", "rawdump", "clipz", "tokenizer_json", "merges", "image"]

    /// Runs target `name` on `data`, using `scratch` (a folder the caller owns) for temp files.
    static func run(_ name: String, _ data: Data, scratch: String) throws {
        let dir = scratch + "/" + name
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        switch name {
        case "onnx": try onnx(put(data, dir, "model.onnx"))
        case "safetensors": try dump(put(data, dir, "model.safetensors"), stored: SafetensorsReader.read)
        case "npy":
            let p = try put(data, dir, "x.npy")
            _ = try NumpyFiles.readNPY(p)
        case "npz": try dump(put(data, dir, "model.npz"), stored: NpzReader.read)
        case "rawdump": try rawDump(data, dir)
        case "clipz": try clipz(put(data, dir, "model.clipz"))
        case "tokenizer_json": exercise(try CLIPTokenizer(tokenizerJSON: data))
        case "merges": exercise(try CLIPTokenizer(mergesText: String(decoding: data, as: UTF8.self), mergeCount: 1 << 20))
        case "image": _ = try ImageDecoder.decode(data: data, name: "fuzz-input")
        default: throw CocoaError(.featureUnsupported)
        }
    }

    /// Plain open/write/close: Foundation's `Data.write` fsyncs, which capped the fuzzer at ~100 inputs/s.
    static func put(_ data: Data, _ dir: String, _ file: String) throws -> String {
        let p = dir + "/" + file
        let fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        defer { close(fd) }
        let ok = data.withUnsafeBytes { raw -> Bool in
            var done = 0
            while done < raw.count {
                let n = write(fd, raw.baseAddress! + done, raw.count - done)
                if n <= 0 { return false }
                done += n
            }
            return true
        }
        guard ok else { throw CocoaError(.fileWriteUnknown) }
        return p
    }

    /// Graph parsing and matching of each tower alone (so a one-tower graph goes deep), then
    /// the full import with every tensor loaded.
    static func onnx(_ path: String) throws {
        let g = try ONNXGraph(model: ONNXProtoModel(path: path))
        if let i = g.imageInput { _ = try? g.matchVision(input: i.name) }
        if let t = g.textInput { _ = try? g.matchText(input: t.name) }
        try loadAll(ONNXImporter.load(paths: [path]))
    }

    /// The container reader on its own (every tensor's bytes), then the whole dump import.
    static func dump(_ path: String, stored: (String) throws -> [SourceTensor]) throws {
        for t in (try? stored(path)) ?? [] { _ = try? t.convert(t.readBytes()) }
        try loadAll(DumpImporter.load(paths: [path], configPath: nil))
    }

    /// Input layout: manifest.json bytes, one NUL byte, then the bytes of `weights.bin`.
    static func rawDump(_ data: Data, _ dir: String) throws {
        let cut = data.firstIndex(of: 0) ?? data.endIndex
        _ = try put(data[data.startIndex..<cut], dir, "manifest.json")
        _ = try put(cut < data.endIndex ? data[(cut + 1)...] : Data(), dir, "weights.bin")
        for t in (try? RawDumpReader.read(folder: dir).tensors) ?? [] { _ = try? t.readBytes() }
        try loadAll(DumpImporter.load(paths: [dir], configPath: nil))
    }

    static func clipz(_ path: String) throws {
        let f = try ClipzFile(path: path)
        for n in f.tensorNames { _ = try f.tensor(n) }
    }

    static func loadAll(_ model: ModelSource) throws {
        for t in model.tensors { _ = try t.load() }
    }

    static func exercise(_ tok: CLIPTokenizer) {
        let ids = tok.encode("A photo of a cat, 123 naïve <|endoftext|> 日本 ☃ &amp;")
        _ = tok.decode(ids)
        _ = tok.tokenize(["a dog", ""], contextLength: 16)
    }
}
