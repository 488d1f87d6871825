import ClipzCore
import Foundation

/// Activation statistics for static int8 (Formats/calibration.md). Written by `clipz calibrate`,
/// read by `clipz quantize --calibration`.
public struct CalibrationFile: Codable, Sendable {
    public static let formatName = "clipz-calibration"
    public static let currentVersion = 1

    public var format: String = CalibrationFile.formatName
    public var version: Int = CalibrationFile.currentVersion
    /// Name and config of the model it was measured on (checked by `quantize`).
    public var model: String
    public var config: ModelConfig
    /// minmax | percentile | mse | entropy
    public var method: String
    public var percentile: Double?
    /// SmoothQuant α used while measuring (0 = none).
    public var smoothAlpha: Double
    public var images: Int
    public var texts: Int
    public var layers: [String: LayerStats]
    public var createdAt: String

    public struct LayerStats: Codable, Sendable {
        /// Rows (tokens) observed.
        public var rows: Int
        /// max |x| before smoothing.
        public var absMax: Float
        /// Clipping threshold chosen by the method, after smoothing.
        public var clip: Float
        /// Per-input-channel max |x| before smoothing (needed to recompute smoothing factors).
        public var channelAbsMax: [Float]
        /// Smoothing factors applied (nil when the layer is not smoothed).
        public var smooth: [Float]?
        /// ‖Y_int8 − Y_fp32‖ / ‖Y_fp32‖ on calibration data with this clip and per-channel int8 weights.
        public var relativeError: Double?
        enum CodingKeys: String, CodingKey {
            case rows, absMax = "abs_max", clip, channelAbsMax = "channel_abs_max", smooth, relativeError = "relative_error"
        }
        public init(rows: Int, absMax: Float, clip: Float, channelAbsMax: [Float], smooth: [Float]?, relativeError: Double?) {
            self.rows = rows; self.absMax = absMax; self.clip = clip; self.channelAbsMax = channelAbsMax; self.smooth = smooth; self.relativeError = relativeError
        }
    }

    enum CodingKeys: String, CodingKey {
        case format, version, model, config, method, percentile, smoothAlpha = "smooth_alpha", images, texts, layers, createdAt = "created_at"
    }

    public init(model: String, config: ModelConfig, method: String, percentile: Double?, smoothAlpha: Double, images: Int, texts: Int,
                layers: [String: LayerStats]) {
        self.model = model; self.config = config; self.method = method; self.percentile = percentile; self.smoothAlpha = smoothAlpha
        self.images = images; self.texts = texts; self.layers = layers
        createdAt = ISO8601DateFormatter().string(from: Date())
    }

    public static func read(_ path: String) throws -> CalibrationFile {
        let data = Data(try InputFile.readAll(path, limit: 512 << 20))
        let f: CalibrationFile
        do { f = try JSONDecoder().decode(CalibrationFile.self, from: data) } catch { throw QuantError.calibration(file: path, detail: "not a calibration file: \(error)") }
        guard f.format == formatName else { throw QuantError.calibration(file: path, detail: "format '\(f.format)' is not \(formatName)") }
        guard f.version <= currentVersion else { throw QuantError.calibration(file: path, detail: "version \(f.version) is newer than this clipz (\(currentVersion))") }
        for (name, l) in f.layers where !(l.clip.isFinite && l.clip >= 0) {
            throw QuantError.calibration(file: path, detail: "layer '\(name)' has clip \(l.clip)")
        }
        return f
    }

    public func encoded() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try e.encode(self)
    }
}
