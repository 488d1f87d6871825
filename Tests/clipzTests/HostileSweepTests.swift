import Foundation
import XCTest

/// Truncations and byte flips of a small valid file of every input format, fed to the `clipz`
/// command line (convert, inspect --verify, embed) under a 256 MiB address-space cap. Every run
/// must end with exit 0 (the damage did not matter) or exit 1/2 with a message on stderr that names
/// the damaged file — never a signal, a hang, or more memory than the cap.
final class HostileSweepTests: XCTestCase {
    nonisolated(unsafe) static var tried: [String: Int] = [:]
    nonisolated(unsafe) static var rejected: [String: Int] = [:]
    static let lock = NSLock()

    override class func tearDown() {
        let total = tried.values.reduce(0, +)
        let lines = tried.keys.sorted().map { "\($0) \(tried[$0]!) (\(rejected[$0] ?? 0) rejected)" }
        print("HostileSweepTests: \(total) hostile inputs through the CLI: " + lines.joined(separator: ", "))
    }

    var seeds: URL { CLI.seeds }
    var miniMerges: String { seeds.appendingPathComponent("merges/mini.txt").path }
    var microModel: String { seeds.appendingPathComponent("clipz/micro.clipz").path }

    func testONNX() throws {
        let merges = miniMerges
        let f = CLI.importFixtures.appendingPathComponent("hf_tiny")
        let text = f.appendingPathComponent("text_op17.onnx").path
        try sweep("onnx", seed: f.appendingPathComponent("vision_op17.onnx"), as: "vision.onnx", truncations: 32, flips: 24) { p, d in
            ["convert", p, text, "--tokenizer", merges, "-o", d + "/out.clipz", "--quiet"]
        }
    }

    func testSafetensors() throws {
        let merges = miniMerges
        try sweep("safetensors", seed: seeds.appendingPathComponent("safetensors/micro_canonical.safetensors"), as: "model.safetensors") { p, d in
            ["convert", p, "--tokenizer", merges, "-o", d + "/out.clipz", "--quiet"]
        }
    }

    func testNPZ() throws {
        let merges = miniMerges
        for name in ["micro_deflated", "micro_stored"] {
            try sweep("npz", seed: seeds.appendingPathComponent("npz/\(name).npz"), as: "model.npz", truncations: 32, flips: 24) { p, d in
                ["convert", p, "--tokenizer", merges, "-o", d + "/out.clipz", "--quiet"]
            }
        }
    }

    /// A torch.save archive (pickle + storages + zip directory) and a TorchScript one.
    func testPyTorch() throws {
        let merges = miniMerges
        let f = CLI.importFixtures
        let config = f.appendingPathComponent("hf_tiny/config.json").path
        let dir = try CLI.tempDir(self)
        let good = try CLI.run(["convert", f.appendingPathComponent("hf_tiny/pytorch_model_fp16.bin").path, "--config", config,
                                "--tokenizer", merges, "-o", dir.appendingPathComponent("good.clipz").path, "--quiet"])
        XCTAssertEqual(good.status, 0, "the undamaged checkpoint must convert: \(good.stderr)")
        try sweep("pytorch", seed: f.appendingPathComponent("hf_tiny/pytorch_model_fp16.bin"), as: "pytorch_model.bin", truncations: 24, flips: 24) { p, d in
            ["convert", p, "--config", config, "--tokenizer", merges, "-o", d + "/out.clipz", "--quiet"]
        }
        try sweep("pytorch", seed: f.appendingPathComponent("pickle_cases/views.pt"), as: "views.pt", truncations: 24, flips: 24) { p, d in
            ["convert", p, "--tokenizer", merges, "-o", d + "/out.clipz", "--quiet"]
        }
    }

    func testNPY() throws {
        let model = microModel
        // A valid pixel tensor [1, 3, 4, 4] for the micro model, fed through `embed --pixels`.
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 4, 4), }"
        var h = Array(header.utf8); while (10 + h.count + 1) % 64 != 0 { h.append(0x20) }; h.append(0x0A)
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(h.count & 0xFF), UInt8(h.count >> 8)] + h
        for i in 0..<48 { withUnsafeBytes(of: (Float(i) / 48).bitPattern.littleEndian) { bytes += $0 } }
        let dir = try CLI.tempDir(self)
        let seed = dir.appendingPathComponent("pixels.npy")
        try Data(bytes).write(to: seed)
        XCTAssertEqual(try CLI.run(["embed", microModel, "--pixels", seed.path]).status, 0, "the unmodified pixel tensor must embed")
        try sweep("npy", seed: seed, as: "pixels.npy") { p, _ in ["embed", model, "--pixels", p] }
    }

    func testRawDump() throws {
        let dump = seeds.appendingPathComponent("_micro_dump")
        for file in ["manifest.json", "weights.bin"] {
            try sweep("rawdump", seed: dump.appendingPathComponent(file), as: file, truncations: 24, flips: file == "weights.bin" ? 8 : 32,
                      siblings: [dump.appendingPathComponent("manifest.json"), dump.appendingPathComponent("weights.bin"),
                                 dump.appendingPathComponent("bpe_simple_vocab_16e6.txt")]) { _, d in
                ["convert", d, "-o", d + "/out.clipz", "--quiet"]
            }
        }
    }

    func testClipzFile() throws {
        try sweep("clipz", seed: URL(fileURLWithPath: microModel), as: "model.clipz", truncations: 48, flips: 40) { p, _ in
            ["inspect", "--verify", p]
        }
    }

    func testImages() throws {
        let model = microModel
        for (name, count) in [("rgb.png", 24), ("palette.png", 20), ("baseline.jpg", 24), ("progressive.jpg", 20)] {
            let ext = (name as NSString).pathExtension
            try sweep(ext == "png" ? "png" : "jpeg", seed: seeds.appendingPathComponent("image/" + name), as: "input." + ext,
                      truncations: count, flips: count) { p, _ in ["embed", model, "--image", p] }
        }
    }

    func testTokenizerJSON() throws {
        let dump = seeds.appendingPathComponent("_micro_dump")
        try sweep("tokenizer.json", seed: seeds.appendingPathComponent("tokenizer_json/mini.json"), as: "tokenizer.json", truncations: 24, flips: 24) { p, d in
            ["convert", dump.path, "--tokenizer", p, "-o", d + "/out.clipz", "--quiet"]
        }
    }

    /// Writes each damaged copy of `seed` as `name` into a fresh folder (with copies of
    /// `siblings`), runs `command(damagedPath, folder)` and checks the outcome.
    func sweep(_ format: String, seed: URL, as name: String, truncations: Int = 40, flips: Int = 32, siblings: [URL] = [],
               command: @escaping @Sendable (String, String) -> [String]) throws {
        let original = try Data(contentsOf: seed)
        let inputs = Mutations.truncations(of: original, count: truncations) + Mutations.flips(of: original, count: flips, seed: UInt64(original.count))
        let work = try CLI.tempDir(self)
        let tally = Tally()
        // One run per core at a time.
        DispatchQueue.concurrentPerform(iterations: inputs.count) { i in
            let (label, bytes) = inputs[i]
            let dir = work.appendingPathComponent("\(i)")
            do {
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                for s in siblings { try FileManager.default.copyItem(at: s, to: dir.appendingPathComponent(s.lastPathComponent)) }
                let path = dir.appendingPathComponent(name).path
                try? FileManager.default.removeItem(atPath: path)
                try bytes.write(to: URL(fileURLWithPath: path))
                let r = try CLI.run(command(path, dir.path))
                var problem: String?
                if r.signaled || r.status > 128 || r.status < 0 {
                    problem = "died (status \(r.status)): \(r.stderr.suffix(300))"
                } else if r.status != 0 {
                    if r.status > 2 { problem = "exit \(r.status)" }
                    else if !r.stderr.contains(name) && !r.stderr.contains(dir.lastPathComponent) { problem = "exit \(r.status) without naming \(name): \(r.stderr.prefix(300))" }
                }
                tally.add(rejected: r.status != 0, problem: problem.map { "\(format) \(label): \($0)" })
            } catch {
                tally.add(rejected: false, problem: "\(format) \(label): harness error \(error)")
            }
        }
        let (problems, rejectedHere) = (tally.problems, tally.rejected)
        Self.lock.lock()
        Self.tried[format, default: 0] += inputs.count
        Self.rejected[format, default: 0] += rejectedHere
        Self.lock.unlock()
        XCTAssertTrue(problems.isEmpty, "\(problems.count) of \(inputs.count) damaged \(format) inputs misbehaved:\n" + problems.prefix(20).joined(separator: "\n"))
        XCTAssertGreaterThan(rejectedHere, inputs.count / 4, "most damaged \(format) inputs should be refused (\(rejectedHere)/\(inputs.count))")
    }
}

/// Outcomes collected from concurrent runs.
final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var problems: [String] = []
    private(set) var rejected = 0
    func add(rejected r: Bool, problem: String?) {
        lock.lock(); defer { lock.unlock() }
        if r { rejected += 1 }
        if let p = problem { problems.append(p) }
    }
}

/// Deterministic damage: cuts at small, structural and spread-out offsets; seeded byte flips,
/// half of them in the first KiB where headers live.
enum Mutations {
    static func truncations(of d: Data, count: Int) -> [(String, Data)] {
        let n = d.count
        var cuts = Set([0, 1, 4, 7, 8, 9, 12, 16, 24, 32, 64, 128, n / 2, n - 1, n - 4].filter { $0 >= 0 && $0 < n })
        var k = 1
        while cuts.count < min(count, n) { cuts.insert(n * k / (count + 1)); k += 1; if k > count * 4 { break } }
        return cuts.sorted().prefix(count).map { ("cut@\($0)", d.prefix($0)) }
    }

    static func flips(of d: Data, count: Int, seed: UInt64) -> [(String, Data)] {
        guard !d.isEmpty else { return [] }
        var s = seed &+ 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 { s = s &* 6364136223846793005 &+ 1442695040888963407; return s >> 17 }
        return (0..<count).map { i in
            let span = i % 2 == 0 ? min(d.count, 1024) : d.count
            let at = Int(next() % UInt64(span))
            let x = UInt8(truncatingIfNeeded: next() % 255 + 1)
            var m = d
            m[m.startIndex + at] ^= x
            return ("flip@\(at)^\(x)", m)
        }
    }
}
