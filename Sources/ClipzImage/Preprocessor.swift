import ClipzCore

/// CLIP image preprocessing with open_clip / torchvision semantics on a Pillow RGB image:
/// `Resize(resizeShortest, BICUBIC)` (shortest side → size, long side `int(size * long / short)`,
/// Pillow antialiased resampling) → `CenterCrop(cropSize)` (zero padding when the image is smaller,
/// top/left offset `int(round((dim - crop) / 2))` with Python's half-to-even rounding, or
/// `int((dim - crop) / 2)` for Hugging Face's CLIPImageProcessor: `cropOffset`) → `ToTensor`
/// (÷255 in float32) → `Normalize(mean, std)`. With `resize` = `.square` (SigLIP's processor) the image
/// is resized straight to `cropSize` × `cropSize` (aspect not kept) and nothing is cropped.
public struct Preprocessor: Sendable {
    public let resizeShortest: Int
    public let cropSize: Int
    public let mean: [Float]
    public let std: [Float]
    public let resample: ResampleFilter
    public let cropOffset: Preprocessing.CropOffset
    public let resize: Preprocessing.Resize
    /// Per channel, the normalised value of each byte: ((v / 255) - mean) / std in float32, which is
    /// exactly what torch computes element by element.
    private let lookup: [[Float]]

    /// Largest accepted resize or crop size.
    public static let maxSize = 8192

    public init(resizeShortest: Int = 224, cropSize: Int = 224,
                mean: [Double] = Preprocessing.openAIMean, std: [Double] = Preprocessing.openAIStd,
                resample: ResampleFilter = .bicubic, cropOffset: Preprocessing.CropOffset = .round,
                resize: Preprocessing.Resize = .shortestSide) throws {
        guard (1...Self.maxSize).contains(resizeShortest), (1...Self.maxSize).contains(cropSize) else {
            throw ImageError.invalidPreprocessing("resize \(resizeShortest) / crop \(cropSize) must be in 1...\(Self.maxSize)")
        }
        guard mean.count == 3, std.count == 3, mean.allSatisfy(\.isFinite),
              std.allSatisfy({ $0.isFinite && $0 != 0 }) else {
            throw ImageError.invalidPreprocessing("mean and std need 3 finite values each, std non-zero (got \(mean), \(std))")
        }
        self.resizeShortest = resizeShortest
        self.cropSize = cropSize
        self.mean = mean.map { Float($0) }
        self.std = std.map { Float($0) }
        self.resample = resample
        self.cropOffset = cropOffset
        self.resize = resize
        let m = self.mean, s = self.std
        lookup = (0..<3).map { c in (0..<256).map { v in (Float(v) / 255 - m[c]) / s[c] } }
    }

    /// Preprocessing as recorded in a model's metadata.
    public init(_ p: Preprocessing) throws {
        guard let filter = ResampleFilter(rawValue: p.resample.lowercased()) else {
            throw ImageError.invalidPreprocessing("unknown resample filter '\(p.resample)' (bicubic or bilinear)")
        }
        try self.init(resizeShortest: p.resizeShortest, cropSize: p.cropSize, mean: p.mean, std: p.std, resample: filter,
                      cropOffset: p.cropOffset, resize: p.resize)
    }

    /// Size after the shortest-side resize, computed as torchvision does (truncating the long side).
    public func resizedSize(width: Int, height: Int) -> (width: Int, height: Int) {
        if resize == .square { return (cropSize, cropSize) }
        let short = min(width, height), long = max(width, height)
        let newLong = Int(Double(resizeShortest * long) / Double(short))
        return width <= height ? (resizeShortest, newLong) : (newLong, resizeShortest)
    }

    /// The resized and centre-cropped uint8 image (what Pillow holds just before `ToTensor`).
    public func resizeAndCrop(_ image: RGBImage) -> RGBImage {
        let (outW, outH) = resizedSize(width: image.width, height: image.height)
        let (colOffset, colValid) = window(resized: outW)
        let (rowOffset, rowValid) = window(resized: outH)
        let columns = table(inSize: image.width, outSize: outW, outputs: colValid)
        let rows = table(inSize: image.height, outSize: outH, outputs: rowValid)
        let inner = Resampler.resample(image, columns: columns, rows: rows)
        if colValid.count == cropSize && rowValid.count == cropSize {
            return RGBImage(uncheckedWidth: cropSize, height: cropSize, pixels: inner)
        }
        // Smaller than the crop on some axis: place it on a zero canvas as torchvision's pad does.
        var canvas = [UInt8](repeating: 0, count: cropSize * cropSize * 3)
        let innerRow = colValid.count * 3
        for (r, y) in rowValid.enumerated() {
            let dst = ((y - rowOffset) * cropSize + (colValid.lowerBound - colOffset)) * 3
            canvas.replaceSubrange(dst..<dst + innerRow, with: inner[r * innerRow..<(r + 1) * innerRow])
        }
        return RGBImage(uncheckedWidth: cropSize, height: cropSize, pixels: canvas)
    }

    /// The model input: float32 CHW `[3, cropSize, cropSize]`.
    public func tensor(_ image: RGBImage) -> [Float] {
        let crop = resizeAndCrop(image)
        let plane = cropSize * cropSize
        var out = [Float](repeating: 0, count: 3 * plane)
        crop.pixels.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { dst in
                for c in 0..<3 {
                    lookup[c].withUnsafeBufferPointer { lut in
                        for i in 0..<plane { dst[c * plane + i] = lut[Int(px[i * 3 + c])] }
                    }
                }
            }
        }
        return out
    }

    /// For one axis of length `resized`: the crop's offset into the resized image (negative when
    /// padded) and the range of resized positions that land inside the crop.
    private func window(resized: Int) -> (offset: Int, valid: Range<Int>) {
        if resized >= cropSize {
            // Python's round() on .5 goes to the even neighbour; Hugging Face truncates.
            let half = Double(resized - cropSize) / 2.0
            let start = Int(cropOffset == .round ? half.rounded(.toNearestOrEven) : half.rounded(.down))
            return (start, start..<start + cropSize)
        }
        let pad = (cropSize - resized) / 2
        return (-pad, 0..<resized)
    }

    private func table(inSize: Int, outSize: Int, outputs: Range<Int>) -> CoefficientTable {
        inSize == outSize ? CoefficientTable(identity: outputs)
            : CoefficientTable(inSize: inSize, outSize: outSize, outputs: outputs, filter: resample)
    }
}
