/// Pillow's two-pass uint8 resampling (horizontal, then vertical), with 22-bit fixed-point
/// weights and a clamp to 0...255 between the passes, restricted to a window of the output.
enum Resampler {
    /// Pillow's clip8: drop the fraction bits (arithmetic shift = floor) and clamp.
    @inline(__always)
    static func clip8(_ v: Int32) -> UInt8 {
        let s = v >> CoefficientTable.precisionBits
        return s < 0 ? 0 : (s > 255 ? 255 : UInt8(truncatingIfNeeded: s))
    }

    /// Resamples `image` so that output column j of the result is column `columns.starts[j]...` of
    /// the conceptual full-size resize (likewise rows). Returns cols.count × rows.count RGB bytes.
    static func resample(_ image: RGBImage, columns: CoefficientTable, rows: CoefficientTable) -> [UInt8] {
        let outW = columns.starts.count, outH = rows.starts.count
        let needed = rows.sourceRange
        // Empty windows cannot come from Preprocessor (sizes ≥ 1); guard so no pointer below is nil.
        guard outW > 0, outH > 0, !needed.isEmpty, !image.pixels.isEmpty else { return [] }
        // Horizontal pass over just the source rows the vertical pass will read.
        var temp = [UInt8](repeating: 0, count: needed.count * outW * 3)
        let rowBytes = image.width * 3
        image.pixels.withUnsafeBufferPointer { src in
            temp.withUnsafeMutableBufferPointer { dst in
                columns.weights.withUnsafeBufferPointer { w in
                    for (t, y) in needed.enumerated() {
                        horizontal(src: src.baseAddress! + y * rowBytes, dst: dst.baseAddress! + t * outW * 3,
                                   table: columns, weights: w.baseAddress!)
                    }
                }
            }
        }
        var out = [UInt8](repeating: 0, count: outW * outH * 3)
        let tempRow = outW * 3
        temp.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                rows.weights.withUnsafeBufferPointer { w in
                    // Row-at-a-time accumulation (vectorises); integer sums are order-independent,
                    // so this equals Pillow's per-pixel loop.
                    var acc = [Int32](repeating: 0, count: tempRow)
                    acc.withUnsafeMutableBufferPointer { a in
                        for j in 0..<outH {
                            let first = rows.starts[j] - needed.lowerBound
                            let wk = w.baseAddress! + j * rows.taps
                            for x in 0..<tempRow { a[x] = 1 << (CoefficientTable.precisionBits - 1) }
                            for k in 0..<rows.counts[j] {
                                let wgt = wk[k]
                                let line = src.baseAddress! + (first + k) * tempRow
                                for x in 0..<tempRow { a[x] &+= Int32(line[x]) &* wgt }
                            }
                            let o = dst.baseAddress! + j * tempRow
                            for x in 0..<tempRow { o[x] = clip8(a[x]) }
                        }
                    }
                }
            }
        }
        return out
    }

    /// One horizontal row: interleaved RGB in, interleaved RGB out.
    @inline(__always)
    private static func horizontal(src: UnsafePointer<UInt8>, dst: UnsafeMutablePointer<UInt8>,
                                   table: CoefficientTable, weights: UnsafePointer<Int32>) {
        let half: Int32 = 1 << (CoefficientTable.precisionBits - 1)
        let taps = table.taps
        table.starts.withUnsafeBufferPointer { starts in
            table.counts.withUnsafeBufferPointer { counts in
                for j in 0..<starts.count {
                    var s0 = half, s1 = half, s2 = half
                    var p = src + starts[j] * 3
                    let wk = weights + j * taps
                    for k in 0..<counts[j] {
                        let w = wk[k]
                        s0 &+= Int32(p[0]) &* w
                        s1 &+= Int32(p[1]) &* w
                        s2 &+= Int32(p[2]) &* w
                        p += 3
                    }
                    dst[j * 3] = clip8(s0)
                    dst[j * 3 + 1] = clip8(s1)
                    dst[j * 3 + 2] = clip8(s2)
                }
            }
        }
    }
}
