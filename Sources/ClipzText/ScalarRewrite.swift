/// The scan-and-replace loop the text fixers share: copy scalars, and where a pattern matches at
/// an index, write its replacement and resume after the match.
enum ScalarRewrite {
    /// - Parameter match: for index `i` of `t`, the end (exclusive) of a match starting there and
    ///   the scalars replacing it, or nil to copy `t[i]` unchanged.
    static func replacing(_ t: [Unicode.Scalar],
                          _ match: (Int) -> (end: Int, with: [Unicode.Scalar])?) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(t.count)
        var i = 0
        while i < t.count {
            if let m = match(i) {
                out += m.with
                i = m.end
            } else {
                out.append(t[i])
                i += 1
            }
        }
        return out
    }
}
