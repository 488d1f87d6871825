import ClipzCore
import ClipzInputs
import ClipzRuntime
import Foundation

/// Runs a candidate model and a reference on the same inputs and measures how far apart they are.
public enum Validator {
    public struct Options: Sendable {
        public var thresholds: ValidationReport.Thresholds
        /// Images or texts per forward pass.
        public var batch: Int
        /// Images per timed run, and timed runs per model (the median is reported).
        public var speedBatch: Int
        public var speedRuns: Int
        public var measureSpeed: Bool
        public init(thresholds: ValidationReport.Thresholds = .init(), batch: Int = 32, speedBatch: Int = 8, speedRuns: Int = 3, measureSpeed: Bool = true) {
            self.thresholds = thresholds; self.batch = max(1, batch); self.speedBatch = max(1, speedBatch)
            self.speedRuns = max(1, speedRuns); self.measureSpeed = measureSpeed
        }
    }

    /// Embeddings of both sides for one tower; `reference` is nil when the reference has none for it.
    struct TowerRun { var reference: [Float]?; var candidate: [Float]; var drift: [Double] }

    /// - Parameters:
    ///   - candidate: the model under test (usually a converted or quantized `.clipz`).
    ///   - candidateBytes: its size on disk, if known.
    ///   - progress: (stage, done, total) with stage "images" or "texts".
    /// - Throws: `InputError.badInput` when the two sides cannot see the same inputs; runtime errors from the models.
    public static func run(candidate: CLIPModel, candidateName: String, candidateBytes: Int?, reference: ValidationReference,
                           inputs: ValidationInputs, options: Options = Options(),
                           progress: ((String, Int, Int) -> Void)? = nil) throws -> ValidationReport {
        let d = candidate.embedDim
        var notes: [String] = []
        if let classes = inputs.classes {
            // Zero-shot reads the first classes.count text rows as the class prompts and needs one label per image.
            guard inputs.tokens.count >= classes.count, inputs.labels?.count == inputs.imageCount,
                  inputs.labels?.allSatisfy({ $0 >= 0 && $0 < classes.count }) ?? false else {
                throw InputError.badInput("dataset inputs need one label per image and the class prompts as the first texts")
            }
        }
        var refModel: CLIPModel?, refBytes: Int?
        var storedImage: [Float]?, storedText: [Float]?
        switch reference {
        case .model(let m, _, let bytes):
            refModel = m; refBytes = bytes
            try checkCompatible(m, candidate, &notes)
        case .embeddings(let img, let txt, _):
            if let img, img.count != inputs.imageCount * d {
                throw InputError.badInput("reference image embeddings have \(img.count / d) rows; the inputs have \(inputs.imageCount) images (same images, same order)")
            }
            if img != nil && inputs.syntheticImages { throw InputError.badInput("stored image embeddings need the same images: give --dataset, --images or --pixels") }
            if let txt, txt.count != inputs.tokens.count * d {
                throw InputError.badInput("reference text embeddings have \(txt.count / d) rows; the inputs have \(inputs.tokens.count) texts (same texts, same order)")
            }
            storedImage = img; storedText = txt
            notes.append("reference is stored embeddings: no per-layer drift and no reference speed")
        }

        let images = try runImages(candidate, refModel, stored: storedImage, inputs: inputs, batch: options.batch, progress: progress)
        let texts = try runTexts(candidate, refModel, stored: storedText, tokens: inputs.tokens, batch: options.batch, progress: progress)

        var report = ValidationReport(
            reference: .init(name: reference.name, bytes: refBytes, imagesPerSecond: nil),
            candidate: .init(name: candidateName, bytes: candidateBytes, imagesPerSecond: nil),
            image: tower(images, width: d, n: inputs.imageCount), text: tower(texts, width: d, n: inputs.tokens.count),
            top1Agreement: nil, accuracy: nil, speedBatch: min(options.speedBatch, inputs.imageCount),
            thresholds: options.thresholds, imageInputs: inputs.imageDescription, textInputs: inputs.textDescription, notes: notes)

        if let labels = inputs.labels, let classes = inputs.classes {
            let k = classes.count
            let candPred = ZeroShot.predictions(images: images.candidate, prompts: Array(texts.candidate[0..<(k * d)]), width: d)
            let candAcc = ZeroShot.accuracy(candPred, labels)
            if let ri = images.reference, let rt = texts.reference {
                let refPred = ZeroShot.predictions(images: ri, prompts: Array(rt[0..<(k * d)]), width: d)
                report.accuracy = .init(reference: ZeroShot.accuracy(refPred, labels), candidate: candAcc)
                report.top1Agreement = ZeroShot.accuracy(candPred, refPred)
            } else {
                report.accuracy = .init(reference: nil, candidate: candAcc)
                report.notes.append("reference accuracy needs both image and text embeddings; only the candidate's is reported")
            }
        }
        if options.measureSpeed && report.speedBatch > 0 {
            let n = report.speedBatch
            let pixels = try inputs.pixels(0..<n, model: candidate)
            let speeds = try measureSpeed(candidate, refModel, pixels: pixels, count: n, runs: options.speedRuns)
            report.candidate.imagesPerSecond = speeds.candidate
            report.reference.imagesPerSecond = speeds.reference
        }
        return report
    }

    static func checkCompatible(_ ref: CLIPModel, _ cand: CLIPModel, _ notes: inout [String]) throws {
        guard ref.embedDim == cand.embedDim else { throw InputError.badInput("embedding sizes differ: reference \(ref.embedDim), candidate \(cand.embedDim)") }
        guard (ref.config.vision == nil, ref.config.text == nil) == (cand.config.vision == nil, cand.config.text == nil) else {
            throw InputError.badInput("the models hold different towers: reference \(ref.config.towersDescription), candidate \(cand.config.towersDescription)")
        }
        guard ref.config.vision?.imageSize == cand.config.vision?.imageSize else {
            throw InputError.badInput("image sizes differ: reference \(ref.config.vision?.imageSize ?? 0), candidate \(cand.config.vision?.imageSize ?? 0)")
        }
        if ref.metadata.preprocessing != cand.metadata.preprocessing { notes.append("preprocessing differs; both models get the candidate's pixels") }
        if ref.metadata.tokenizer.mergesSHA256 != cand.metadata.tokenizer.mergesSHA256 { notes.append("tokenizer merges differ; both models get the candidate's token ids") }
        if ref.config.vision?.layers != cand.config.vision?.layers || ref.config.text?.layers != cand.config.text?.layers {
            notes.append("layer counts differ; drift compares blocks by index")
        }
    }

    static func tower(_ r: TowerRun, width: Int, n: Int) -> ValidationReport.Tower? {
        guard let ref = r.reference, n > 0 else { return nil }
        let c = Stats.rowCosines(r.candidate, ref, width: width)
        return .init(n: n, cosine: .init(mean: Stats.mean(c), min: c.min() ?? .nan, p1: Stats.percentile(c, 1)),
                     maxAbsDiff: Stats.maxAbsDiffNormalized(r.candidate, ref, width: width), drift: r.drift)
    }

    static func runImages(_ cand: CLIPModel, _ ref: CLIPModel?, stored: [Float]?, inputs: ValidationInputs, batch: Int,
                          progress: ((String, Int, Int) -> Void)?) throws -> TowerRun {
        let total = inputs.imageCount, w = cand.config.vision?.width, refW = ref?.config.vision?.width
        var out = TowerRun(reference: ref == nil ? stored : [], candidate: [], drift: [])
        var drift = DriftAccumulator()
        var i = 0
        while i < total {
            let n = min(batch, total - i)
            let pixels = try inputs.pixels(i..<(i + n), model: cand)
            // Keep the reference's hidden states of this batch so the candidate's blocks can be compared as they run.
            var hidden: [Int: [Float]] = [:]
            if let ref { out.reference! += try ref.encodeImages(pixels: pixels, count: n) { hidden[$0] = $1 } }
            out.candidate += try cand.encodeImages(pixels: pixels, count: n) { layer, h in
                if let r = hidden[layer], r.count == h.count, refW == w, let w { drift.add(layer: layer, r, h, width: w) }
            }
            i += n
            progress?("images", i, total)
        }
        out.drift = drift.means
        return out
    }

    static func runTexts(_ cand: CLIPModel, _ ref: CLIPModel?, stored: [Float]?, tokens: [[Int]], batch: Int,
                         progress: ((String, Int, Int) -> Void)?) throws -> TowerRun {
        let w = cand.config.text?.width, refW = ref?.config.text?.width
        var out = TowerRun(reference: ref == nil ? stored : [], candidate: [], drift: [])
        var drift = DriftAccumulator()
        var i = 0
        while i < tokens.count {
            let chunk = Array(tokens[i..<min(i + batch, tokens.count)])
            var hidden: [Int: [Float]] = [:]
            if let ref { out.reference! += try ref.encodeTexts(tokens: chunk) { hidden[$0] = $1 } }
            out.candidate += try cand.encodeTexts(tokens: chunk) { layer, h in
                if let r = hidden[layer], r.count == h.count, refW == w, let w { drift.add(layer: layer, r, h, width: w) }
            }
            i += chunk.count
            progress?("texts", i, tokens.count)
        }
        out.drift = drift.means
        return out
    }

    /// Images/s of each model on the same pixels: one warm-up each, then runs alternate (reference,
    /// candidate, reference, …) so that a change in machine load hits both; the median run counts.
    /// A run repeats the batch until it lasts about 50 ms, so tiny models are not timed at clock resolution.
    static func measureSpeed(_ cand: CLIPModel, _ ref: CLIPModel?, pixels: [Float], count: Int, runs: Int) throws -> (reference: Double?, candidate: Double) {
        func seconds(_ m: CLIPModel, _ reps: Int) throws -> Double {
            let t0 = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<reps { _ = try m.encodeImages(pixels: pixels, count: count) }
            return max(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9, 1e-9)
        }
        func repetitions(_ m: CLIPModel) throws -> Int {
            _ = try seconds(m, 1)
            return min(1000, max(1, Int((0.05 / (try seconds(m, 1))).rounded(.up))))
        }
        let rc = try repetitions(cand), rr = try ref.map(repetitions) ?? 0
        var rs: [Double] = [], cs: [Double] = []
        for _ in 0..<runs {
            if let ref { rs.append(Double(rr * count) / (try seconds(ref, rr))) }
            cs.append(Double(rc * count) / (try seconds(cand, rc)))
        }
        return (ref == nil ? nil : Stats.median(rs), Stats.median(cs))
    }
}
