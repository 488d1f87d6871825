import ClipzCore
import ClipzFormat
import Foundation

/// Public access to `.npy` / `.npz` files for the command line (`--pixels X.npy`, `-o OUT.npy`)
/// and tests. Reading goes through the hostile-input-safe dump readers.
public enum NumpyFiles {
    /// Reads one `.npy` file (f64 narrows to f32).
    public static func readNPY(_ path: String) throws -> Tensor {
        let t = try NpzReader.npyFile(path, name: URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent)
        return try Tensor(name: t.name, dtype: t.dtype.loaded, shape: t.shape, bytes: t.convert(try t.readBytes()))
    }

    /// Reads every array of an `.npz` archive, keyed by name (without `.npy`).
    public static func readNPZ(_ path: String) throws -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for t in try NpzReader.read(path: path) {
            out[t.name] = try Tensor(name: t.name, dtype: t.dtype.loaded, shape: t.shape, bytes: t.convert(try t.readBytes()))
        }
        return out
    }

    /// The `.npy` (version 1.0) bytes of a little-endian C-order array.
    public static func npyBytes(_ t: Tensor) -> [UInt8] {
        npyHeader(dtype: t.dtype, shape: t.shape) + t.bytes
    }

    /// The `.npy` (version 1.0) header of a little-endian C-order array, space-padded to a multiple of
    /// 64 bytes and to at least `minimumBytes` (a writer that fixes the row count at the end reserves
    /// room for the final shape this way).
    public static func npyHeader(dtype: DType, shape: [Int], minimumBytes: Int = 0) -> [UInt8] {
        let descr: String
        switch dtype {
        case .f32: descr = "<f4"
        case .f16: descr = "<f2"
        case .i64: descr = "<i8"
        case .i32: descr = "<i4"
        case .u8: descr = "|u1"
        case .i8: descr = "|i1"
        case .bf16: descr = "<u2" // numpy has no bfloat16; raw 16-bit words
        }
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(dims), }"
        let total = 10 + header.utf8.count + 1
        let padded = max(total + (64 - total % 64) % 64, (minimumBytes + 63) / 64 * 64)
        header += String(repeating: " ", count: padded - total) + "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let n = UInt16(header.utf8.count)
        out += [UInt8(n & 0xFF), UInt8(n >> 8)]
        out += Array(header.utf8)
        return out
    }

    /// Writes a `.npy` atomically (temporary file, fsync, rename).
    public static func writeNPY(_ t: Tensor, to path: String, inputs: [String] = [], force: Bool = true) throws {
        let out = try AtomicOutput(path: path, inputs: inputs, force: force)
        try out.write(npyBytes(t))
        try out.commit()
    }
}
