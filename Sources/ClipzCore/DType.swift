/// Element types a `.clipz` tensor can hold. Raw values are the spelling in the file header
/// (Formats/clipz.md); values are never reused.
public enum DType: String, Codable, Sendable, CaseIterable {
    case f32, f16, bf16, i8, u8, i32, i64

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .f32, .i32: return 4
        case .f16, .bf16: return 2
        case .i8, .u8: return 1
        case .i64: return 8
        }
    }

    public var isFloat: Bool { self == .f32 || self == .f16 || self == .bf16 }
}
