import CClipzImage
import ClipzCore
import Foundation

/// Decodes PNG and JPEG files into `RGBImage`, with Pillow's `Image.convert("RGB")` semantics:
/// grey is replicated, alpha is dropped (not composited), palettes are expanded, 16-bit colour keeps
/// the high byte, 16-bit grey (Pillow "I;16") is clipped at 255, CMYK JPEG uses Adobe polarity.
/// EXIF orientation and colour profiles are ignored, as Pillow does without explicit calls.
public enum ImageDecoder {
    /// Largest accepted width or height.
    public static let maxSide = Int(CLIPZ_IMAGE_MAX_SIDE)
    /// Largest accepted width × height.
    public static let maxPixels = Int(CLIPZ_IMAGE_MAX_PIXELS)
    /// Largest file read from disk (a 100 Mpixel PNG rarely exceeds this).
    public static let maxFileBytes = 1 << 30

    /// Image container recognised from the first bytes.
    public enum Format: Sendable, Equatable { case png, jpeg }

    /// The format named by the magic bytes, or nil.
    public static func sniff(_ data: Data) -> Format? {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        if data.count >= 8, data.prefix(8).elementsEqual(png) { return .png }
        if data.count >= 3, data.prefix(3).elementsEqual([0xFF, 0xD8, 0xFF]) { return .jpeg }
        return nil
    }

    /// Reads and decodes the file at `path`.
    public static func decode(path: String) throws -> RGBImage {
        let data: Data
        do { data = Data(try InputFile.readAll(path, limit: maxFileBytes)) } catch let CoreError.unreadableFile(_, reason) {
            throw ImageError.unreadable(file: path, reason: reason)
        }
        return try decode(data: data, name: path)
    }

    /// Decodes an in-memory PNG or JPEG; `name` is used in error messages.
    public static func decode(data: Data, name: String = "<memory>") throws -> RGBImage {
        guard let format = sniff(data) else { throw ImageError.unknownFormat(file: name) }
        var image = clipz_rgb_image()
        var message = [CChar](repeating: 0, count: Int(CLIPZ_IMAGE_MESSAGE_CAP))
        let status: Int32 = data.withUnsafeBytes { raw -> Int32 in
            let bytes = raw.bindMemory(to: UInt8.self)
            guard let base = bytes.baseAddress else { return Int32(CLIPZ_IMAGE_CORRUPT.rawValue) }
            return message.withUnsafeMutableBufferPointer { msg in
                switch format {
                case .png: return clipz_decode_png(base, bytes.count, &image, msg.baseAddress, msg.count)
                case .jpeg: return clipz_decode_jpeg(base, bytes.count, &image, msg.baseAddress, msg.count)
                }
            }
        }
        defer { clipz_image_free(&image) }
        let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        switch UInt32(bitPattern: status) {
        case CLIPZ_IMAGE_OK.rawValue: break
        case CLIPZ_IMAGE_TOO_LARGE.rawValue: throw ImageError.tooLarge(file: name, reason: reason)
        case CLIPZ_IMAGE_UNSUPPORTED.rawValue: throw ImageError.unsupported(file: name, reason: reason)
        case CLIPZ_IMAGE_NO_MEMORY.rawValue: throw ImageError.outOfMemory(file: name)
        default: throw ImageError.corrupt(file: name, reason: reason.isEmpty ? "decoder failed" : reason)
        }
        let width = Int(image.width), height = Int(image.height)
        // The C side guarantees these bounds; re-check rather than trust a pointer blindly.
        guard width > 0, height > 0, width <= maxSide, height <= maxSide,
              let count = Checked.elementCount([width, height, 3]), let src = image.pixels else {
            throw ImageError.corrupt(file: name, reason: "decoder returned an invalid image")
        }
        let pixels = [UInt8](UnsafeBufferPointer(start: src, count: count))
        return RGBImage(uncheckedWidth: width, height: height, pixels: pixels)
    }
}
