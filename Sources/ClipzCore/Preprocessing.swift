/// Image preprocessing the model expects (PIL semantics).
public struct Preprocessing: Codable, Sendable, Equatable {
    /// Where the centre crop starts when the resized side exceeds the crop by an odd number of pixels.
    public enum CropOffset: String, Codable, Sendable {
        /// `round((size - crop) / 2)`, half to even: torchvision's CenterCrop, so open_clip and OpenAI.
        case round
        /// `int((size - crop) / 2)`: Hugging Face's CLIPImageProcessor.
        case floor
    }

    /// How the image reaches the model's square input.
    public enum Resize: String, Codable, Sendable {
        /// Shortest side to `resize_shortest` (aspect kept), then the centre crop (CLIP).
        case shortestSide = "shortest_side"
        /// Straight to `crop_size` × `crop_size`, aspect not kept, no crop (SigLIP's processor).
        case square
    }

    /// The shortest side is resized to this, then a center crop of `cropSize` is taken.
    public var resizeShortest: Int
    public var cropSize: Int
    /// "bicubic" (PIL, antialiased) or "bilinear".
    public var resample: String
    public var mean: [Double]
    public var std: [Double]
    /// The source pipeline's crop rule; absent (files written before it existed, or `.round`) reads as `.round`.
    public var cropOffset: CropOffset
    /// Absent (files written before it existed, or `.shortestSide`) reads as `.shortestSide`.
    public var resize: Resize

    public init(resizeShortest: Int, cropSize: Int, resample: String = "bicubic",
                mean: [Double] = Preprocessing.openAIMean, std: [Double] = Preprocessing.openAIStd, cropOffset: CropOffset = .round,
                resize: Resize = .shortestSide) {
        self.resize = resize
        self.resizeShortest = resizeShortest
        self.cropSize = cropSize
        self.resample = resample
        self.mean = mean
        self.std = std
        self.cropOffset = cropOffset
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(resizeShortest: c.decode(Int.self, forKey: .resizeShortest), cropSize: c.decode(Int.self, forKey: .cropSize),
                      resample: c.decode(String.self, forKey: .resample), mean: c.decode([Double].self, forKey: .mean),
                      std: c.decode([Double].self, forKey: .std), cropOffset: c.decodeIfPresent(CropOffset.self, forKey: .cropOffset) ?? .round,
                      resize: c.decodeIfPresent(Resize.self, forKey: .resize) ?? .shortestSide)
    }

    /// `crop_offset` and `resize` are written only when they are not the defaults, so files of sources with the
    /// torchvision rule keep the bytes they had before the key existed.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(resizeShortest, forKey: .resizeShortest)
        try c.encode(cropSize, forKey: .cropSize)
        try c.encode(resample, forKey: .resample)
        try c.encode(mean, forKey: .mean)
        try c.encode(std, forKey: .std)
        if cropOffset != .round { try c.encode(cropOffset, forKey: .cropOffset) }
        if resize != .shortestSide { try c.encode(resize, forKey: .resize) }
    }

    public static let openAIMean = [0.48145466, 0.4578275, 0.40821073]
    public static let openAIStd = [0.26862954, 0.26130258, 0.27577711]
    enum CodingKeys: String, CodingKey {
        case resizeShortest = "resize_shortest", cropSize = "crop_size", resample, mean, std, cropOffset = "crop_offset", resize
    }
}
