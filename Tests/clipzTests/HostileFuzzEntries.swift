import ClipzCore
import ClipzImage
import ClipzQuant
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
    static let targets = ["onnx", "safetensors", "npy", "npz", "pytorch", "rawdump", "clipz", "clipz_tokenizer", "calibration",
                          "tokenizer_json", "merges", "spm_model", "image"]

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
        case "pytorch": try dump(put(data, dir, "model.pt"), stored: TorchReader.read)
        case "rawdump": try rawDump(data, dir)
        case "clipz": try clipz(put(data, dir, "model.clipz"))
        case "clipz_tokenizer": try clipzTokenizer(put(data, dir, "model.clipz"))
        case "calibration": _ = try CalibrationFile.read(put(data, dir, "calibration.json"))
        case "tokenizer_json": exercise(try CLIPTokenizer(tokenizerJSON: data))
        case "merges": exercise(try CLIPTokenizer(mergesText: String(decoding: data, as: UTF8.self), mergeCount: 1 << 20))
        case "spm_model":
            // A SentencePiece model as a .clipz (tokenizer.spm_model) or spiece.model hands it to libsentencepiece.
            let tok = try SentencePieceTokenizer(model: [UInt8](data), eosID: 1, padID: 1, file: "fuzz-input")
            _ = tok.tokenize(["A photo of a cat, 123 naïve </s> 日本 ☃", ""], contextLength: 16)
            _ = tok.tokens(for: [0, 1, 2, 1 << 30])
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

    /// The tokenizer a `.clipz` carries (the `tokenizer.bpe_merges` tensor, read as the runtime
    /// reads it), run at the header's context length.
    static func clipzTokenizer(_ path: String) throws {
        let f = try ClipzFile(path: path)
        let merges = try f.tensor(CanonicalName.bpeMerges)
        let tok = try CLIPTokenizer(mergesText: String(decoding: merges.bytes, as: UTF8.self), file: CanonicalName.bpeMerges)
        exercise(tok)
        _ = tok.tokenize(["a photo of a cat"], contextLength: f.metadata.config.text!.contextLength)
    }

    // MARK: .clipz-aware mutation (Tools/fuzz/Harness.swift's LLVMFuzzerCustomMutator)

    /// Splits a `.clipz` into preamble + payloads and header JSON, lets `mutate` edit the header,
    /// then re-seals header length, header CRC-32C, file length and the preamble CRC with the
    /// reader's own code, so that mutants reach the validation behind the checksums. Nil when
    /// `file` has no intact preamble.
    static func mutateClipzHeader(_ file: [UInt8], _ mutate: (inout [UInt8]) -> Void) -> [UInt8]? {
        guard let pre = try? Preamble.decode(file, path: "fuzz"), pre.headerOffset >= UInt64(Preamble.size),
              pre.headerOffset <= UInt64(file.count) else { return nil }
        var header = Array(file[Int(pre.headerOffset)...])
        mutate(&header)
        var out = Array(file[..<Int(pre.headerOffset)])
        let p = Preamble(versionMajor: pre.versionMajor, versionMinor: pre.versionMinor, headerOffset: pre.headerOffset,
                         headerLength: UInt64(header.count), headerCRC: CRC32C.checksum(header),
                         fileLength: pre.headerOffset + UInt64(header.count))
        out.replaceSubrange(0..<Preamble.size, with: p.encode())
        return out + header
    }

    /// Edges of the caps and of integer types, for `tweakNumber`.
    static let boundaryNumbers = ["0", "-1", "1", "2", "63", "64", "65", "4096", "65536", "65537", "2147483647", "2147483648",
                                  "4294967295", "17179869184", "17179869185", "9223372036854775807", "-9223372036854775808",
                                  "1e308", "0.5"]

    /// Replaces the JSON number chosen by `pick` in `header` with a boundary value (sizes, shapes,
    /// offsets and config fields are all numbers: byte mutations rarely produce valid ones).
    static func tweakNumber(_ header: inout [UInt8], pick: UInt64) {
        var numbers: [Range<Int>] = []
        var strings = JSONStringState(), start: Int? = nil
        for (i, b) in header.enumerated() {
            let inString = strings.consume(b)
            let numeric = !inString && ((b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "-") || b == UInt8(ascii: ".")
                || b == UInt8(ascii: "e") || b == UInt8(ascii: "E") || b == UInt8(ascii: "+"))
            if numeric { if start == nil { start = i } } else if let s = start { numbers.append(s..<i); start = nil }
        }
        guard !numbers.isEmpty else { return }
        var rng = SplitMix64(seed: pick)
        let target = numbers[Int(rng.next() % UInt64(numbers.count))]
        header.replaceSubrange(target, with: Array(boundaryNumbers[Int(rng.next() % UInt64(boundaryNumbers.count))].utf8))
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
