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
    public static func hexOfFile(at path: String) throws -> String {
        guard let h = FileHandle(forReadingAtPath: path) else { throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path]) }
        defer { try? h.close() }
        var s = SHA256()
        while let chunk = try h.read(upToCount: 4 << 20), !chunk.isEmpty { chunk.withUnsafeBytes { s.update($0) } }
        return s.finalizeHex()
    }
}
