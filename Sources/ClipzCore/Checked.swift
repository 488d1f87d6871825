/// Checked arithmetic for sizes that come from files: nil instead of a trap.
public enum Checked {
    public static func mul(_ a: Int, _ b: Int) -> Int? {
        let (r, o) = a.multipliedReportingOverflow(by: b); return o ? nil : r
    }
    public static func add(_ a: Int, _ b: Int) -> Int? {
        let (r, o) = a.addingReportingOverflow(b); return o ? nil : r
    }
    /// Product of dimensions; nil on overflow or a negative dimension. Rank 0 gives 1.
    public static func elementCount(_ shape: [Int]) -> Int? {
        var n = 1
        for d in shape {
            guard d >= 0, let m = mul(n, d) else { return nil }
            n = m
        }
        return n
    }
    /// `value` rounded up to a multiple of `alignment` (a power of two).
    public static func alignUp(_ value: Int, _ alignment: Int) -> Int? {
        guard let v = add(value, alignment - 1) else { return nil }
        return v & ~(alignment - 1)
    }
}
