import CClipzKernels

/// A named, typed, shaped block of little-endian bytes. Rank 0 holds one element; a zero
/// dimension makes an empty tensor (zero bytes).
public struct Tensor: Sendable, Equatable {
    public var name: String
    public var dtype: DType
    public var shape: [Int]
    public var bytes: [UInt8]

    /// - Throws: `CoreError.sizeMismatch` when `bytes.count` is not dtype.size × element count.
    public init(name: String, dtype: DType, shape: [Int], bytes: [UInt8]) throws {
        guard let n = Checked.elementCount(shape), let b = Checked.mul(n, dtype.size) else {
            throw CoreError.badShape(tensor: name, shape: shape)
        }
        guard b == bytes.count else { throw CoreError.sizeMismatch(tensor: name, expected: b, actual: bytes.count) }
        self.name = name; self.dtype = dtype; self.shape = shape; self.bytes = bytes
    }

    /// A float32 tensor.
    public init(name: String, shape: [Int], floats: [Float]) throws {
        let bytes = floats.withUnsafeBytes { Array($0) }
        try self.init(name: name, dtype: .f32, shape: shape, bytes: bytes)
    }

    public var elementCount: Int { bytes.count / dtype.size }

    /// Values as Float, converting f16/bf16/int types. i8 gives raw integer values (no scale).
    public func floats() -> [Float] {
        let n = elementCount
        var out = [Float](repeating: 0, count: n)
        bytes.withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer { dst in
                switch dtype {
                case .f32: _ = raw.copyBytes(to: UnsafeMutableRawBufferPointer(dst))
                case .f16: clipz_f16_to_f32(raw.bindMemory(to: UInt16.self).baseAddress, dst.baseAddress, n)
                case .bf16: clipz_bf16_to_f32(raw.bindMemory(to: UInt16.self).baseAddress, dst.baseAddress, n)
                case .i8: for i in 0..<n { dst[i] = Float(Int8(bitPattern: raw[i])) }
                case .u8: for i in 0..<n { dst[i] = Float(raw[i]) }
                case .i32: let p = raw.bindMemory(to: Int32.self); for i in 0..<n { dst[i] = Float(p[i]) }
                case .i64: let p = raw.bindMemory(to: Int64.self); for i in 0..<n { dst[i] = Float(p[i]) }
                }
            }
        }
        return out
    }

    /// Converts a float tensor to another float dtype (f32, f16, bf16).
    public func converted(to target: DType) throws -> Tensor {
        if target == dtype { return self }
        guard dtype.isFloat, target.isFloat else { throw CoreError.unsupportedConversion(tensor: name, from: dtype, to: target) }
        let values = floats()
        switch target {
        case .f32: return try Tensor(name: name, shape: shape, floats: values)
        case .f16, .bf16:
            var half = [UInt16](repeating: 0, count: values.count)
            if target == .f16 { clipz_f32_to_f16(values, &half, values.count) } else { clipz_f32_to_bf16(values, &half, values.count) }
            return try Tensor(name: name, dtype: target, shape: shape, bytes: half.withUnsafeBytes { Array($0) })
        default: throw CoreError.unsupportedConversion(tensor: name, from: dtype, to: target)
        }
    }

    /// False when a float tensor holds NaN or ±Inf (checked on the bit patterns, without converting).
    public var allFinite: Bool {
        bytes.withUnsafeBytes { raw in
            switch dtype {
            case .f32: return !raw.bindMemory(to: UInt32.self).contains { $0 & 0x7F80_0000 == 0x7F80_0000 }
            case .f16: return !raw.bindMemory(to: UInt16.self).contains { $0 & 0x7C00 == 0x7C00 }
            case .bf16: return !raw.bindMemory(to: UInt16.self).contains { $0 & 0x7F80 == 0x7F80 }
            default: return true
            }
        }
    }

    /// Integer values (i32/i64/u8/i8) widened to Int.
    public func ints() -> [Int] {
        switch dtype {
        case .i64: return bytes.withUnsafeBytes { $0.bindMemory(to: Int64.self).map { Int($0) } }
        case .i32: return bytes.withUnsafeBytes { $0.bindMemory(to: Int32.self).map { Int($0) } }
        default: return floats().map { Int($0) }
        }
    }
}
