import CClipzKernels
import Foundation

/// Streaming SHA-256, used for provenance of source files.
public struct SHA256 {
    private var ctx = clipz_sha256_ctx()
    public init() { clipz_sha256_init(&ctx) }
    public mutating func update(_ bytes: UnsafeRawBufferPointer) { clipz_sha256_update(&ctx, bytes.baseAddress, bytes.count) }
    public mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }
    public mutating func finalizeHex() -> String {
        var out = [UInt8](repeating: 0, count: 32)
        clipz_sha256_final(&ctx, &out)
        return out.map { String(format: "%02x", $0) }.joined()
    }

    /// SHA-256 of a whole file, read in 4 MiB chunks.
    /// - Throws: `CoreError.unreadableFile` naming the path.
    public static func hexOfFile(at path: String) throws -> String {
        let file = try InputFile(path: path)
        var s = SHA256()
        var chunk = [UInt8](repeating: 0, count: min(file.size, 4 << 20))
        var offset = 0
        while offset < file.size {
            let n = min(chunk.count, file.size - offset)
            try chunk.withUnsafeMutableBytes { try file.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<n]), at: offset) }
            chunk.withUnsafeBytes { s.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            offset += n
        }
        return s.finalizeHex()
    }
}
