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
    // Stored only where they differ from the defaults (nil = `.round` / `.shortestSide`), so files of
    // torchvision-rule sources keep the bytes they had before the keys existed.
    private var cropOffsetKey: CropOffset?, resizeKey: Resize?
    /// The source pipeline's crop rule.
    public var cropOffset: CropOffset { get { cropOffsetKey ?? .round } set { cropOffsetKey = newValue == .round ? nil : newValue } }
    public var resize: Resize { get { resizeKey ?? .shortestSide } set { resizeKey = newValue == .shortestSide ? nil : newValue } }

    public init(resizeShortest: Int, cropSize: Int, resample: String = "bicubic",
                mean: [Double] = Preprocessing.openAIMean, std: [Double] = Preprocessing.openAIStd, cropOffset: CropOffset = .round,
                resize: Resize = .shortestSide) {
        self.resizeShortest = resizeShortest
        self.cropSize = cropSize
        self.resample = resample
        self.mean = mean
        self.std = std
        self.cropOffset = cropOffset
        self.resize = resize
    }

    public static let openAIMean = [0.48145466, 0.4578275, 0.40821073]
    public static let openAIStd = [0.26862954, 0.26130258, 0.27577711]
    enum CodingKeys: String, CodingKey {
        case resizeShortest = "resize_shortest", cropSize = "crop_size", resample, mean, std, cropOffsetKey = "crop_offset", resizeKey = "resize"
    }
}
