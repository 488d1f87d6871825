import ClipzCore
import Foundation

/// A labelled image folder: DIR/<class>/*.{png,jpg,jpeg}; class names are folder names with `_` → space.
public struct ImageDataset: Sendable {
    public var classes: [String]
    public var images: [(path: String, label: Int)]

    public static let maxImages = 1_000_000

    /// True for the image files Clipz reads: `.png`, `.jpg`, `.jpeg` (any case), not hidden.
    public static func isImageFile(_ name: String) -> Bool {
        let l = name.lowercased()
        return !name.hasPrefix(".") && (l.hasSuffix(".png") || l.hasSuffix(".jpg") || l.hasSuffix(".jpeg"))
    }

    /// - Throws: `RuntimeError.badInput` when the folder has no class folders or no images.
    public static func scan(_ dir: String) throws -> ImageDataset {
        let fm = FileManager.default
        guard let entries = try? fm.contentsOfDirectory(atPath: dir) else { throw RuntimeError.badInput("\(dir): cannot list the dataset folder") }
        var classes: [String] = [], images: [(String, Int)] = []
        for entry in entries.sorted() where !entry.hasPrefix(".") {
            var isDir: ObjCBool = false
            let sub = dir + "/" + entry
            guard fm.fileExists(atPath: sub, isDirectory: &isDir), isDir.boolValue else { continue }
            let files = ((try? fm.contentsOfDirectory(atPath: sub)) ?? []).sorted().filter(isImageFile)
            guard !files.isEmpty else { continue }
            let label = classes.count
            classes.append(entry.replacingOccurrences(of: "_", with: " "))
            for f in files { images.append((sub + "/" + f, label)) }
            if images.count > maxImages { throw RuntimeError.badInput("\(dir): more than \(maxImages) images") }
        }
        guard classes.count >= 2 else { throw RuntimeError.badInput("\(dir): expected at least two class folders with .png/.jpg images, found \(classes.count)") }
        return ImageDataset(classes: classes, images: images)
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

    public var n: Int { labels.count }
    public var accuracy: Double { n == 0 ? 0 : Double(zip(labels, predictions).filter { $0 == $1 }.count) / Double(n) }
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

extension CLIPModel {
    /// Classifies every image of `dataset` against prompts made from `template` ("{}" = class name).
    /// - Parameter progress: (images done, total).
    public func zeroShot(_ dataset: ImageDataset, template: String = "a photo of a {}.", batch: Int = 32,
                         progress: ((Int, Int) -> Void)? = nil) throws -> ZeroShotResult {
        let prompts = dataset.classes.map { template.replacingOccurrences(of: "{}", with: $0) }
        let text = try embed(texts: prompts, normalize: true)
        var images: [Float] = []
        let paths = dataset.images.map(\.path)
        var i = 0
        while i < paths.count {
            let chunk = Array(paths[i..<min(i + batch, paths.count)])
            images += try embed(imagePaths: chunk, normalize: true)
            i += chunk.count
            progress?(i, paths.count)
        }
        let logits = self.logits(imageEmbeddings: images, textEmbeddings: text)
        let k = dataset.classes.count
        let predictions = (0..<paths.count).map { r -> Int in
            var best = 0
            for c in 1..<k where logits[r * k + c] > logits[r * k + best] { best = c }
            return best
        }
        return ZeroShotResult(classes: dataset.classes, labels: dataset.images.map(\.label), predictions: predictions,
                              logits: logits, imageEmbeddings: images, textEmbeddings: text)
    }
}
