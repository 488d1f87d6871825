import ClipzCore
import Foundation

/// Zero-shot maths on embeddings: the one place for normalisation, logits, predictions and accuracy
/// (`CLIPModel.logits`, `clipz classify` and `clipz validate` all use it).
public enum ZeroShot {
    /// Scales each row of `width` values to unit L2 norm (a zero row stays zero).
    public static func normalizeRows(_ v: inout [Float], width: Int) {
        guard width > 0 else { return }
        Ops.l2Normalize(&v, rows: v.count / width, width: width)
    }

    /// [images × texts] = scale · cos(image row, text row) + bias.
    public static func logits(images: [Float], texts: [Float], width: Int, scale: Float = 1, bias: Float = 0) -> [Float] {
        guard width > 0 else { return [] }
        let ni = images.count / width, nt = texts.count / width
        var a = images, b = texts
        normalizeRows(&a, width: width)
        normalizeRows(&b, width: width)
        var out = [Float](repeating: 0, count: ni * nt)
        for i in 0..<ni {
            for j in 0..<nt {
                var s: Float = 0
                for k in 0..<width { s += a[i * width + k] * b[j * width + k] }
                out[i * nt + j] = scale * s + bias
            }
        }
        return out
    }

    /// Scores of a [rows × cols] logits matrix: a softmax over each row, or an elementwise sigmoid.
    public static func scores(_ logits: [Float], cols: Int, scoring: ModelConfig.Scoring) -> [Float] {
        guard cols > 0 else { return [] }
        switch scoring {
        case .sigmoid:
            return logits.map { 1 / (1 + Foundation.exp(-$0)) }
        case .softmax:
            var out = logits
            for r in 0..<(logits.count / cols) {
                let row = r * cols..<(r + 1) * cols
                let top = logits[row].max() ?? 0
                var sum: Float = 0
                for i in row { out[i] = Foundation.exp(logits[i] - top); sum += out[i] }
                for i in row { out[i] /= sum }
            }
            return out
        }
    }

    /// Index of the largest value in each row of a [rows × cols] matrix (the first one on ties).
    public static func argmaxRows(_ m: [Float], cols: Int) -> [Int] {
        guard cols > 0 else { return [] }
        return (0..<(m.count / cols)).map { r in
            var best = 0
            for c in 1..<cols where m[r * cols + c] > m[r * cols + best] { best = c }
            return best
        }
    }

    /// The class whose prompt embedding has the highest cosine with each image.
    public static func predictions(images: [Float], prompts: [Float], width: Int) -> [Int] {
        argmaxRows(logits(images: images, texts: prompts, width: width), cols: width > 0 ? prompts.count / width : 0)
    }

    /// Fraction of predictions equal to their label (0 for no labels).
    public static func accuracy(_ predictions: [Int], _ labels: [Int]) -> Double {
        labels.isEmpty ? 0 : Double(zip(predictions, labels).filter { $0 == $1 }.count) / Double(labels.count)
    }
}

/// Zero-shot classification results.
public struct ZeroShotResult: Sendable {
    public var classes: [String]
    public var labels: [Int]
    public var predictions: [Int]
    /// [images × classes] logits.
    public var logits: [Float]
    public var imageEmbeddings: [Float]
    public var textEmbeddings: [Float]

    public init(classes: [String], labels: [Int], predictions: [Int], logits: [Float], imageEmbeddings: [Float],
                textEmbeddings: [Float]) {
        self.classes = classes
        self.labels = labels
        self.predictions = predictions
        self.logits = logits
        self.imageEmbeddings = imageEmbeddings
        self.textEmbeddings = textEmbeddings
    }

    public var n: Int { labels.count }
    public var accuracy: Double { ZeroShot.accuracy(predictions, labels) }
    public var perClassAccuracy: [Double] {
        classes.indices.map { c in
            let idx = labels.indices.filter { labels[$0] == c }
            return idx.isEmpty ? 0 : Double(idx.filter { predictions[$0] == c }.count) / Double(idx.count)
        }
    }
    /// (true class, predicted class, count), most frequent first.
    public var confusions: [(String, String, Int)] {
        var counts: [Int: Int] = [:]
        for (l, p) in zip(labels, predictions) where l != p { counts[l * classes.count + p, default: 0] += 1 }
        return counts.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
            .map { (classes[$0.key / classes.count], classes[$0.key % classes.count], $0.value) }
    }
}
