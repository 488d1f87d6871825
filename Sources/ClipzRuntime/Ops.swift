import CClipzKernels
import ClipzCore
import Foundation

/// Row-wise kernels of the forward pass (fp32), backed by CClipzKernels.
enum Ops {
    static func layerNorm(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, width w: Int,
                          gamma: [Float], beta: [Float], eps: Float) {
        gamma.withUnsafeBufferPointer { g in beta.withUnsafeBufferPointer { b in
            let a = (x: Int(bitPattern: x), y: Int(bitPattern: y), g: Int(bitPattern: g.baseAddress), b: Int(bitPattern: b.baseAddress))
            parallelRows(rows, work: rows * w) { r0, r1 in
                clipz_layernorm(UnsafePointer<Float>(bitPattern: a.x)! + r0 * w, UnsafeMutablePointer<Float>(bitPattern: a.y)! + r0 * w,
                                Int32(r1 - r0), Int32(w), UnsafePointer(bitPattern: a.g), UnsafePointer(bitPattern: a.b), eps)
            }
        } }
    }

    /// Runs `body(firstRow, endRow)` on contiguous row ranges, one per thread when the pass is big
    /// enough to pay for waking threads (a batch of images), else once on the caller's thread.
    /// Row-wise passes left serial would idle every other core while they run.
    static func parallelRows(_ rows: Int, work: Int, _ body: @escaping @Sendable (Int, Int) -> Void) {
        let parts = work >= 65_536 ? max(1, min(Int8GEMM.threads, rows)) : 1
        if parts == 1 { body(0, rows); return }
        Parallel.run(parts) { p in body(rows * p / parts, rows * (p + 1) / parts) }
    }

    static func activate(_ x: UnsafeMutablePointer<Float>, count: Int, _ kind: Activation) {
        let k: Int32
        switch kind {
        case .quickGELU: k = 0
        case .gelu: k = 1
        case .geluTanh: k = 2
        }
        clipz_activation(x, count, k)
    }

    /// y += x
    static func addInPlace(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) { clipz_add(y, x, count) }

    /// Scales each row to unit L2 norm.
    public static func l2Normalize(_ v: inout [Float], rows: Int, width: Int) {
        v.withUnsafeMutableBufferPointer { p in
            for r in 0..<rows {
                var s: Float = 0
                for i in 0..<width { s += p[r * width + i] * p[r * width + i] }
                let inv = s > 0 ? 1 / s.squareRoot() : 0
                for i in 0..<width { p[r * width + i] *= inv }
            }
        }
    }
}

/// Reusable buffers for one forward pass, so the hot path does not allocate (fresh pages cost
/// page faults). One per model; calls on a model are serialised by the model's lock.
final class Workspace {
    private var buffers: [String: UnsafeMutablePointer<Float>] = [:]
    private var sizes: [String: Int] = [:]

    /// A buffer of at least `count` floats (contents undefined).
    func get(_ key: String, _ count: Int) -> UnsafeMutablePointer<Float> {
        if let p = buffers[key], sizes[key]! >= count { return p }
        buffers[key]?.deallocate()
        let p = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 16))
        buffers[key] = p; sizes[key] = max(count, 16)
        return p
    }

    deinit { for p in buffers.values { p.deallocate() } }
}
