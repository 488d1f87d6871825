import ArgumentParser
import ClipzCore
import ClipzInputs
import ClipzRuntime
import ClipzValidate
import Foundation

/// `clipz bench`: load time, latency, throughput and peak memory of one `.clipz` on synthetic inputs.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure load time, latency (median, p95), throughput and peak memory on synthetic inputs.",
        discussion: """
            Inputs are synthetic and seeded: smooth colour fields plus noise at the model's image size, already \
            normalised; texts are BOS + random ids + EOS of --seq-len tokens (default 16, a typical prompt; 'full' = the context \
            length). The text tower only runs up to the pooled token, so short prompts cost less than a \
            fixed-length export. load_ms is the time from the start of loading (OpenBLAS, weights) to the \
            first result. "effective GFLOP/s" is inputs per second times the model's standard FLOP count per \
            input (every linear layer and attention product over every token, 2 FLOPs per multiply-add — \
            Clipz itself skips part of that work), comparable with other runtimes and with \
            `clipz system --peak`. Progress goes to stderr; --json prints one object on stdout.
            """)
    @Argument(help: "The .clipz file.") var file: String
    @Option(help: "image | text | both") var tower: Tower = .image
    @Option(help: "Inputs per forward call.") var batch = 1
    @Option(help: "Timed forward calls (per tower).") var iterations = 10
    @Option(help: "Untimed forward calls after the first one.") var warmup = 2
    @Option(help: "Tokens per text, including BOS and EOS (number or 'full').") var seqLen = SeqLen.tokens(16)
    @Option(help: "Seed for the synthetic inputs.") var seed: UInt64 = 1
    @Flag(help: "Print one JSON object on stdout.") var json = false
    @Flag(help: "Also measure the peak of the instructions this model's GEMMs use here (fp32 FMA, or int8 for int8 files; about 0.5 s) and report each tower's share of it.")
    var peak = false
    @OptionGroup var options: RunOptions

    enum Tower: String, ExpressibleByArgument, CaseIterable { case image, text, both }

    /// A token count or the model's full context length.
    enum SeqLen: ExpressibleByArgument, CustomStringConvertible {
        case tokens(Int), full
        init?(argument: String) {
            if argument == "full" { self = .full } else if let n = Int(argument), n >= 2 { self = .tokens(n) } else { return nil }
        }
        var description: String { if case .tokens(let n) = self { return "\(n)" }; return "full" }
    }

    func validate() throws {
        guard (1...4096).contains(batch) else { throw ValidationError("--batch must be 1...4096") }
        guard (1...100_000).contains(iterations) else { throw ValidationError("--iterations must be 1...100000") }
        guard (0...100_000).contains(warmup) else { throw ValidationError("--warmup must be 0...100000") }
    }

    func run() throws {
        let clock = ContinuousClock()
        let start = clock.now
        let model = try options.load(file)
        let modelMS = ms(clock.now - start)
        // `both` on a single-tower model times the tower present; asking for the absent one is an error.
        let present: [Tower] = [model.config.vision != nil ? Tower.image : nil, model.config.text != nil ? .text : nil].compactMap { $0 }
        let towers: [Tower] = tower == .both ? present : [tower]
        var rng = SplitMix64(seed: seed)
        let inputs = try towers.map { try BenchInput(tower: $0, model: model, batch: batch, seqLen: seqLen, rng: &rng) }

        // The first forward belongs to load time: it touches every weight page and packs lazily built kernels.
        let firstStart = clock.now
        for input in inputs { _ = try input.forward(model) }
        let firstMS = ms(clock.now - firstStart)
        let loadMS = ms(clock.now - start)
        note(String(format: "loaded %@ in %.0f ms (model %.0f ms, first forward %.0f ms); OpenBLAS %@, int8 kernel %@",
                    file, loadMS, modelMS, firstMS, BLAS.coreName, model.int8KernelName))

        var perTower: [Tower: [Double]] = [:]
        for input in inputs {
            for i in 0..<warmup { _ = try input.forward(model); note("warm-up \(input.tower.rawValue) \(i + 1)/\(warmup)") }
            var times: [Double] = []
            for i in 0..<iterations {
                let t0 = clock.now
                _ = try input.forward(model)
                times.append(ms(clock.now - t0))
                note(String(format: "%@ %d/%d: %.1f ms", input.tower.rawValue, i + 1, iterations, times[i]))
            }
            perTower[input.tower] = times
        }
        try report(model: model, towers: towers, times: perTower, loadMS: loadMS, modelMS: modelMS, firstMS: firstMS,
                   textTokens: inputs.first { $0.tower == .text }?.tokensPerText)
    }


    func note(_ s: String) { if !options.quiet { Output.info(s) } }

    func report(model: CLIPModel, towers: [Tower], times: [Tower: [Double]], loadMS: Double, modelMS: Double, firstMS: Double, textTokens: Int?) throws {
        // With both towers, one "iteration" is one image batch plus one text batch.
        let combined = (0..<iterations).map { i in towers.reduce(0.0) { $0 + (times[$1]?[i] ?? 0) } }
        let int8Layers = model.linearShapes.keys.filter { model.isInt8($0) }.count
        // The int8 kernel this model's weights take here (7-bit weights have their own on AVX2).
        let kernels = KernelPaths.all.map { $0.0 == "int8_gemm" ? ($0.0, model.int8KernelName) : $0 }
        let hugePages = CPUFeatures.hugePagesForWeights.requested
        var out: [String: Any] = [
            "file": file, "tower": tower.rawValue, "batch": batch, "iterations": iterations, "warmup": warmup,
            "threads": options.threads ?? ProcessInfo.processInfo.activeProcessorCount,
            "median_ms": Stats.percentile(combined, 50), "p95_ms": Stats.percentile(combined, 95),
            "mean_ms": combined.reduce(0, +) / Double(combined.count), "min_ms": combined.min() ?? 0, "times_ms": combined,
            "load_ms": loadMS, "model_load_ms": modelMS, "first_forward_ms": firstMS,
            "peak_rss_mb": Stats.procStatusMB("VmHWM") ?? NSNull(), "rss_mb": Stats.procStatusMB("VmRSS") ?? NSNull(),
            "openblas_core": BLAS.coreName, "int8_kernel": model.int8KernelName, "int8_layers": int8Layers,
            "kernels": Dictionary(uniqueKeysWithValues: kernels),
            "quantization": model.metadata.provenance.quantization?.type ?? "none",
            "weights_huge_pages": hugePages,
        ]
        for t in towers {
            let med = Stats.percentile(times[t] ?? [], 50)
            let rate = med > 0 ? Double(batch) * 1000 / med : 0
            // Standard FLOP count of one input (see ForwardCost): rate × it = effective GFLOP/s.
            let flops = t == .image ? ForwardCost.image(try model.visionConfig(), embedDim: model.config.embedDim)
                : ForwardCost.text(try model.textConfig(), tokens: textTokens ?? 0, embedDim: model.config.embedDim)
            out[t == .image ? "images_per_second" : "texts_per_second"] = rate
            out[t.rawValue] = ["median_ms": med, "p95_ms": Stats.percentile(times[t] ?? [], 95), "per_second": rate,
                               "gflop_per_input": flops / 1e9, "effective_gflops": rate * flops / 1e9]
        }
        if let textTokens { out["seq_len"] = textTokens }
        if peak {
            // int8 files spend their time in the int8 GEMMs; every other type in the fp32 ones.
            let kind: CPUFeatures.PeakKind = int8Layers == 0 ? .fp32FMA : model.int8WeightsAreNarrow ? .int8Narrow : .int8
            let threads = options.threads ?? ProcessInfo.processInfo.activeProcessorCount
            let gops = CPUFeatures.peakGOPS(kind, threads: threads)
            out["peak_gops"] = gops
            out["peak_instructions"] = kind.instructions
            for t in towers {
                guard var d = out[t.rawValue] as? [String: Double], let e = d["effective_gflops"] else { continue }
                d["share_of_peak"] = gops > 0 ? e / gops : nil
                out[t.rawValue] = d
            }
        }
        if json { try Output.json(out); return }
        print("file        \(file)")
        print("kernels     \(kernels.map { "\($0.0) \($0.1)" }.joined(separator: ", ")) (\(int8Layers) int8 layers, quantization \(out["quantization"]!))")
        print("threads     \(out["threads"]!), batch \(batch), \(iterations) iterations after \(warmup) warm-up")
        print(String(format: "load        %.0f ms (model %.0f ms + first forward %.0f ms)", loadMS, modelMS, firstMS)
              + (hugePages ? ", huge pages asked for weights of 4 MiB and more" : ""))
        for t in towers {
            let d = out[t.rawValue] as! [String: Double]
            let unit = t == .image ? "images/s" : "texts/s (\(textTokens ?? 0) tokens)"
            print(pad(t.rawValue, 11) + " " + String(format: "median %.2f ms, p95 %.2f ms, %.2f ", d["median_ms"]!, d["p95_ms"]!, d["per_second"]!) + unit
                  + String(format: ", %.1f effective GFLOP/s", d["effective_gflops"]!)
                  + (d["share_of_peak"].map { String(format: " = %.0f%% of the %@ peak (%.0f G/s)", $0 * 100, out["peak_instructions"] as? String ?? "", out["peak_gops"] as? Double ?? 0) } ?? ""))
        }
        if let peak = out["peak_rss_mb"] as? Double { print(String(format: "peak RSS    %.1f MB", peak)) }
    }
}

/// One tower's synthetic batch.
struct BenchInput {
    let tower: Bench.Tower
    var pixels: [Float] = []
    var tokens: [[Int]] = []
    let batch: Int
    var tokensPerText = 0

    init(tower: Bench.Tower, model: CLIPModel, batch: Int, seqLen: Bench.SeqLen, rng: inout SplitMix64) throws {
        self.tower = tower
        self.batch = batch
        if tower == .image {
            pixels = SyntheticInputs.pixels(count: batch, size: try model.visionConfig().imageSize, seed: rng.next())
            return
        }
        let t = try model.textConfig()
        let len: Int
        switch seqLen {
        case .full: len = t.contextLength
        case .tokens(let n):
            guard n <= t.contextLength else { throw ValidationError("--seq-len \(n) exceeds the context length \(t.contextLength)") }
            len = n
        }
        tokensPerText = len
        // The pooled token is the last one (SyntheticInputs ends each sequence where the pooling rule looks).
        tokens = SyntheticInputs.tokens(count: batch, config: t, length: .fixed(len), start: model.metadata.tokenizer.bosTokenID,
                                        seed: rng.next())
    }

    func forward(_ model: CLIPModel) throws -> [Float] {
        tower == .image ? try model.encodeImages(pixels: pixels, count: batch) : try model.encodeTexts(tokens: tokens)
    }
}

/// Milliseconds in a Duration.
func ms(_ d: Duration) -> Double {
    Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
}
