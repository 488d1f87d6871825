import Foundation

/// Everything `clipz validate` measured: parity of both towers, zero-shot agreement and accuracy,
/// per-block drift, size and speed, and the verdict against the thresholds.
public struct ValidationReport: Sendable {
    /// Cosine similarity of candidate vs reference embeddings, one value per input.
    public struct Cosine: Sendable {
        public var mean, min, p1: Double
        public init(mean: Double, min: Double, p1: Double) { self.mean = mean; self.min = min; self.p1 = p1 }
    }

    /// Parity of one tower.
    public struct Tower: Sendable {
        /// Inputs compared (images or texts).
        public var n: Int
        public var cosine: Cosine
        /// Largest |candidate − reference| over all elements of the L2-normalised embeddings.
        public var maxAbsDiff: Double
        /// Per block: mean cosine of the candidate's hidden states vs the reference's, over all tokens
        /// of all inputs (empty when the reference is a set of embeddings).
        public var drift: [Double]
        public init(n: Int, cosine: Cosine, maxAbsDiff: Double, drift: [Double]) {
            self.n = n; self.cosine = cosine; self.maxAbsDiff = maxAbsDiff; self.drift = drift
        }
    }

    /// Zero-shot accuracies as fractions (0...1); `drop` in percentage points (reference − candidate).
    public struct Accuracy: Sendable {
        public var reference: Double?
        public var candidate: Double
        public var drop: Double? { reference.map { ($0 - candidate) * 100 } }
        public init(reference: Double?, candidate: Double) { self.reference = reference; self.candidate = candidate }
    }

    public struct Thresholds: Sendable {
        /// Lowest acceptable per-input cosine, for each tower.
        public var minCosine: Double
        /// Largest acceptable accuracy drop, in percentage points.
        public var maxAccuracyDrop: Double
        public init(minCosine: Double = 0.999, maxAccuracyDrop: Double = 0.5) { self.minCosine = minCosine; self.maxAccuracyDrop = maxAccuracyDrop }
    }

    /// One side of the comparison.
    public struct Side: Sendable {
        public var name: String
        /// Bytes on disk (the .clipz, or the source files), nil when unknown.
        public var bytes: Int?
        /// Images per second on the speed batch (median of alternating runs), nil for stored embeddings.
        public var imagesPerSecond: Double?
        public init(name: String, bytes: Int?, imagesPerSecond: Double?) { self.name = name; self.bytes = bytes; self.imagesPerSecond = imagesPerSecond }
    }

    public var reference: Side
    public var candidate: Side
    public var image: Tower?
    public var text: Tower?
    /// Fraction of images whose zero-shot prediction is the same for both (dataset mode only).
    public var top1Agreement: Double?
    public var accuracy: Accuracy?
    /// Images per timed run in the speed measurement.
    public var speedBatch: Int
    public var thresholds: Thresholds
    /// Where the inputs came from, e.g. "dataset heldout (360 images, 10 classes)".
    public var imageInputs: String
    public var textInputs: String
    public var notes: [String] = []

    public init(reference: Side, candidate: Side, image: Tower?, text: Tower?, top1Agreement: Double?, accuracy: Accuracy?,
                speedBatch: Int, thresholds: Thresholds, imageInputs: String, textInputs: String, notes: [String] = []) {
        self.reference = reference; self.candidate = candidate; self.image = image; self.text = text
        self.top1Agreement = top1Agreement; self.accuracy = accuracy; self.speedBatch = speedBatch
        self.thresholds = thresholds; self.imageInputs = imageInputs; self.textInputs = textInputs; self.notes = notes
    }

    /// Human-readable reasons the candidate is outside the thresholds; empty when it passes.
    public var failures: [String] {
        var f: [String] = []
        for (name, t) in [("image", image), ("text", text)] {
            guard let t else { continue }
            // NaN compares false everywhere, so test "not ≥" rather than "<" to catch it.
            if !(t.cosine.min >= thresholds.minCosine) {
                f.append(String(format: "%@ tower: min cosine %.6f < %.6f", name, t.cosine.min, thresholds.minCosine))
            }
        }
        if let drop = accuracy?.drop, !(drop <= thresholds.maxAccuracyDrop) {
            f.append(String(format: "accuracy drop %.2f points > %.2f", drop, thresholds.maxAccuracyDrop))
        }
        return f
    }

    public var passed: Bool { failures.isEmpty }

    /// The report as JSON-ready nested dictionaries (schema in README.md, "validate: JSON schema and exit codes").
    /// Unavailable values are `NSNull` (JSON null); non-finite numbers are null too, since JSON has no NaN.
    public func jsonObject() -> [String: Any] {
        func num(_ d: Double?) -> Any { guard let d, d.isFinite else { return NSNull() }; return d }
        func tower(_ t: Tower?) -> Any {
            guard let t else { return NSNull() }
            return ["n": t.n, "cosine": ["mean": num(t.cosine.mean), "min": num(t.cosine.min), "p1": num(t.cosine.p1)],
                    "max_abs_diff": num(t.maxAbsDiff)] as [String: Any]
        }
        return [
            "reference": reference.name, "candidate": candidate.name,
            "inputs": ["images": imageInputs, "texts": textInputs],
            "image": tower(image), "text": tower(text),
            "top1_agreement": num(top1Agreement),
            "accuracy": accuracy.map { ["reference": num($0.reference), "candidate": num($0.candidate), "drop": num($0.drop)] as [String: Any] } ?? NSNull(),
            "drift": ["image": (image?.drift ?? []).map { num($0) }, "text": (text?.drift ?? []).map { num($0) }],
            "size": ["reference": reference.bytes ?? NSNull(), "candidate": candidate.bytes ?? NSNull()] as [String: Any],
            "speed": ["reference": num(reference.imagesPerSecond), "candidate": num(candidate.imagesPerSecond), "batch": speedBatch, "unit": "images/s"] as [String: Any],
            "thresholds": ["min_cosine": thresholds.minCosine, "max_accuracy_drop": thresholds.maxAccuracyDrop],
            "failures": failures, "notes": notes, "passed": passed,
        ]
    }
}
