import ClipzCore

/// An 8-bit RGB image: `height` rows of `width` pixels, each pixel three bytes R, G, B.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// Interleaved RGB bytes, row-major, `width * height * 3` of them.
    public let pixels: [UInt8]

    /// Wraps existing pixels; throws when the byte count does not match the dimensions.
    public init(width: Int, height: Int, pixels: [UInt8]) throws {
        guard width > 0, height > 0,
              let n = Checked.elementCount([width, height, 3]), n == pixels.count else {
            throw ImageError.invalidImage("RGB image \(width)x\(height) needs \(width)*\(height)*3 bytes, got \(pixels.count)")
        }
        self.init(uncheckedWidth: width, height: height, pixels: pixels)
    }

    /// Internal initialiser for buffers whose size is already known to be right.
    init(uncheckedWidth width: Int, height: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}
