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
    /// minmax | percentile | mse | entropy (`CalibrationMethod`).
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
        /// Informative only: `quantize` measures the error again on the model it quantizes.
        public var relativeError: Double?
        enum CodingKeys: String, CodingKey {
            case rows, clip, smooth
            case absMax = "abs_max", channelAbsMax = "channel_abs_max", relativeError = "relative_error"
        }
        public init(rows: Int, absMax: Float, clip: Float, channelAbsMax: [Float], smooth: [Float]?, relativeError: Double?) {
            self.rows = rows
            self.absMax = absMax
            self.clip = clip
            self.channelAbsMax = channelAbsMax
            self.smooth = smooth
            self.relativeError = relativeError
        }
    }

    enum CodingKeys: String, CodingKey {
        case format, version, model, config, method, percentile, images, texts, layers
        case smoothAlpha = "smooth_alpha", createdAt = "created_at"
    }

    public init(model: String, config: ModelConfig, method: String, percentile: Double?, smoothAlpha: Double, images: Int,
                texts: Int, layers: [String: LayerStats]) {
        self.model = model
        self.config = config
        self.method = method
        self.percentile = percentile
        self.smoothAlpha = smoothAlpha
        self.images = images
        self.texts = texts
        self.layers = layers
        createdAt = ISO8601DateFormatter().string(from: Date())
    }

    /// Largest calibration file read. A ViT-bigG/14 file holds about 1.7 M numbers (≈ 35 MB pretty-printed);
    /// the cap also bounds what the JSON decoder allocates for a hostile file.
    public static let maxBytes = 128 << 20

    /// Parses a calibration file: the only parse entry point (`read` and the fuzzers call it).
    /// Checks the JSON shape, `format` and `version` only; whether the numbers fit a model is
    /// `CalibrationCheck`'s job, done when the file is applied to one.
    /// - Parameters:
    ///   - data: the file's bytes.
    ///   - source: the file name used in error messages.
    /// - Throws: `QuantError.calibration` naming `source`.
    public static func decode(_ data: Data, source: String = "calibration") throws -> CalibrationFile {
        guard data.count <= maxBytes else { throw QuantError.calibration(file: source, detail: "larger than \(maxBytes >> 20) MiB") }
        let f: CalibrationFile
        do {
            f = try JSONDecoder().decode(CalibrationFile.self, from: data)
        } catch {
            throw QuantError.calibration(file: source, detail: "not a calibration file: \(error)")
        }
        guard f.format == formatName else {
            throw QuantError.calibration(file: source, detail: "format '\(f.format)' is not \(formatName)")
        }
        guard f.version <= currentVersion else {
            throw QuantError.calibration(file: source, detail: "version \(f.version) is newer than this clipz (\(currentVersion))")
        }
        return f
    }

    /// Reads and parses a calibration file (`decode`).
    public static func read(_ path: String) throws -> CalibrationFile {
        // A regular file only (a FIFO or device is refused at once, InputFile), and not above the cap.
        try decode(Data(try InputFile.readAll(path, limit: maxBytes)), source: path)
    }

    public func encoded() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try e.encode(self)
    }
}
