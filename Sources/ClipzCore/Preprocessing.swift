/// Image preprocessing the model expects (PIL semantics).
public struct Preprocessing: Codable, Sendable, Equatable {
    /// The shortest side is resized to this, then a center crop of `cropSize` is taken.
    public var resizeShortest: Int
    public var cropSize: Int
    /// "bicubic" (PIL, antialiased) or "bilinear".
    public var resample: String
    public var mean: [Double]
    public var std: [Double]
    public init(resizeShortest: Int, cropSize: Int, resample: String = "bicubic",
                mean: [Double] = Preprocessing.openAIMean, std: [Double] = Preprocessing.openAIStd) {
        self.resizeShortest = resizeShortest; self.cropSize = cropSize; self.resample = resample; self.mean = mean; self.std = std
    }
    public static let openAIMean = [0.48145466, 0.4578275, 0.40821073]
    public static let openAIStd = [0.26862954, 0.26130258, 0.27577711]
    enum CodingKeys: String, CodingKey { case resizeShortest = "resize_shortest", cropSize = "crop_size", resample, mean, std }
}
