import ClipzCore

/// The fixed 64-byte start of a `.clipz` file (Formats/clipz.md, "Preamble").
struct Preamble: Equatable {
    static let size = 64
    static let magic: [UInt8] = [0x89, 0x43, 0x4C, 0x49, 0x50, 0x5A, 0x0D, 0x0A]
    static let versionMajor: UInt16 = 1
    static let versionMinor: UInt16 = 0

    var versionMajor: UInt16 = Preamble.versionMajor
    var versionMinor: UInt16 = Preamble.versionMinor
    var flags: UInt32 = 0
    var headerOffset: UInt64
    var headerLength: UInt64
    var headerCRC: UInt32
    var fileLength: UInt64

    func encode() -> [UInt8] {
        var b = Preamble.magic
        b.appendLE(versionMajor); b.appendLE(versionMinor); b.appendLE(flags)
        b.appendLE(headerOffset); b.appendLE(headerLength); b.appendLE(headerCRC); b.appendLE(UInt32(0))
        b.appendLE(fileLength)
        b += [UInt8](repeating: 0, count: 12)
        b.appendLE(CRC32C.checksum(b))
        return b
    }

    /// Parses and checks magic, version, flags and the preamble checksum.
    static func decode(_ b: [UInt8], path: String) throws -> Preamble {
        guard b.count >= size else { throw FormatError.corrupt(path: path, detail: "file is \(b.count) bytes, shorter than the 64-byte preamble", offset: 0) }
        guard Array(b[0..<8]) == magic else { throw FormatError.notClipz(path: path) }
        let crc = CRC32C.checksum(Array(b[0..<60]))
        let major = b.readLE(UInt16.self, at: 8), minor = b.readLE(UInt16.self, at: 10)
        guard crc == b.readLE(UInt32.self, at: 60) else { throw FormatError.checksum(path: path, what: "preamble", offset: 60) }
        guard major == versionMajor else { throw FormatError.unsupportedVersion(path: path, major: Int(major), minor: Int(minor)) }
        let flags = b.readLE(UInt32.self, at: 12)
        guard flags == 0 else { throw FormatError.corrupt(path: path, detail: "unknown flags 0x\(String(flags, radix: 16))", offset: 12) }
        return Preamble(versionMajor: major, versionMinor: minor, flags: flags,
                        headerOffset: b.readLE(UInt64.self, at: 16), headerLength: b.readLE(UInt64.self, at: 24),
                        headerCRC: b.readLE(UInt32.self, at: 32), fileLength: b.readLE(UInt64.self, at: 40))
    }
}

extension Array where Element == UInt8 {
    mutating func appendLE<T: FixedWidthInteger>(_ v: T) {
        Swift.withUnsafeBytes(of: v.littleEndian) { append(contentsOf: $0) }
    }
    /// Caller guarantees `offset + size <= count`.
    func readLE<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        var v: T = 0
        for i in 0..<MemoryLayout<T>.size { v |= T(self[offset + i]) << (8 * i) }
        return v
    }
}
