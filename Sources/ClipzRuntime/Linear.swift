import ClipzCore

/// Called with (weight name, input rows [rows × in]) before a linear layer runs; used by calibration.
public typealias LinearObserver = (String, UnsafeBufferPointer<Float>, Int) -> Void

/// A linear layer y = x Wᵀ + b with W stored [out, in] (canonical layout).
/// Float weights are packed once and run through Clipz's AVX-512, AVX2 + FMA or NEON GEMM: fp16 and bf16
/// ones stay 16-bit (half the memory; the kernel widens a panel at a time), fp32 ones run as they are.
/// CPUs with none of those kernels widen everything and use OpenBLAS sgemm. int8 weights
/// (per-output-channel scales) run through Clipz's int8 kernels with activations quantized per
/// token at run time, or with a fixed calibrated scale when the file has `<name>.input_scale`.
final class Linear {
    enum Weights {
        case f32([Float])
        /// fp32, fp16 or bf16 packed for the packed GEMMs (`Kernels.gemmPacked`; CPUs with AVX-512,
        /// AVX2 + FMA or NEON).
        case packed(PackedWeights)
        /// `narrow`: every weight in [-64, 63] (7-bit quantization; the AVX2 kernel's fast form).
        case i8(packed: WeightBuffer, colsum: [Int32], scales: [Float], narrow: Bool)
        /// The rows live in a fused layer (see `fused`), starting at `firstRow`; stored once.
        case inFused(Linear, firstRow: Int)
    }
    let name: String
    let outDim: Int
    let inDim: Int
    private(set) var weights: Weights
    let bias: [Float]?
    /// Static activation scale (W8A8); nil → dynamic per-token scales.
    let inputScale: Float?
    var observer: LinearObserver?
    /// Quantized activations and their scales, reused across calls (forward passes are serialised per model).
    private var xq: [Int8] = []
    private var sx: [Float] = []

    init(name: String, loader: WeightLoader, bias: [Float]?) throws {
        guard let info = loader.info[name] else { throw CoreError.missingTensor(name) }
        guard info.shape.count >= 2 else { throw RuntimeError.badWeights("'\(name)' must be 2-D, got \(info.shape)") }
        self.name = name
        let outDim = info.shape[0], inDim = info.shape.dropFirst().reduce(1, *)
        self.outDim = outDim; self.inDim = inDim
        if info.dtype == .i8 {
            let weight = try loader.raw(name)
            guard let scale = loader.optional(name + ".scale"), scale.elementCount == outDim else {
                throw RuntimeError.badWeights("int8 '\(name)' needs '\(name).scale' with \(outDim) values")
            }
            guard weight.bytes.count == outDim * inDim else {
                throw RuntimeError.badWeights("int8 '\(name)' has \(weight.bytes.count) bytes for shape \(info.shape)")
            }
            let packed = try WeightBuffer(bytes: Kernels.i8PackedBytes(outDim: outDim, inDim: inDim), for: name)
            var colsum = [Int32](repeating: 0, count: outDim)
            let narrow = weight.bytes.withUnsafeBytes { w in
                colsum.withUnsafeMutableBufferPointer { c in
                    Kernels.i8Pack(w.bindMemory(to: Int8.self).baseAddress, outDim: outDim, inDim: inDim,
                                   into: packed.pointer(to: Int8.self), colsum: c.baseAddress)
                }
            }
            weights = .i8(packed: packed, colsum: colsum, scales: scale.floats(), narrow: narrow)
            inputScale = loader.optional(name + ".input_scale").map { $0.floats().first ?? 0 }.flatMap { $0 > 0 ? $0 : nil }
        } else if let half = PackedWeights.Element(sixteenBit: info.dtype), Kernels.f32PackedAvailable {
            let weight = try loader.raw(name)
            guard weight.dtype == info.dtype, weight.bytes.count == outDim * inDim * 2 else {
                throw RuntimeError.badWeights("\(weight.dtype) '\(name)' has \(weight.bytes.count) bytes for shape \(info.shape)")
            }
            weights = .packed(try weight.bytes.withUnsafeBytes {
                try PackedWeights(half: $0.bindMemory(to: UInt16.self), element: half, outDim: outDim, inDim: inDim, layer: name)
            })
            inputScale = nil
        } else {
            let w = try loader.values(name)
            guard w.count == outDim * inDim else { throw RuntimeError.badWeights("'\(name)' has \(w.count) values for shape \(info.shape)") }
            weights = Kernels.f32PackedAvailable ? .packed(try PackedWeights(w, outDim: outDim, inDim: inDim, layer: name)) : .f32(w)
            inputScale = nil
        }
        if let bias, bias.count != outDim { throw RuntimeError.badWeights("bias of '\(name)' has \(bias.count) values, expected \(outDim)") }
        self.bias = bias
    }

    private init(name: String, outDim: Int, inDim: Int, weights: Weights, bias: [Float]?, inputScale: Float?) {
        self.name = name; self.outDim = outDim; self.inDim = inDim; self.weights = weights; self.bias = bias; self.inputScale = inputScale
    }

    /// True when the layer runs int8 (also for a part of a fused int8 layer).
    var isInt8: Bool {
        switch weights {
        case .f32, .packed: return false
        case .i8: return true
        case let .inFused(parent, _): return parent.isInt8
        }
    }

    /// True for int8 weights within [-64, 63] (also for a part of such a fused layer).
    var hasNarrowWeights: Bool {
        switch weights {
        case let .i8(_, _, _, narrow): return narrow
        case let .inFused(parent, _): return parent.hasNarrowWeights
        case .f32, .packed: return false
        }
    }

    /// The layer's weights as fp32 [out × in] (sliced out of a fused layer), or nil for int8.
    var f32Weights: [Float]? {
        switch weights {
        case let .f32(w): return w
        case let .packed(p): return p.unpacked()
        case .i8: return nil
        case let .inFused(parent, first):
            switch parent.weights {
            case let .f32(w): return Array(w[(first * inDim)..<((first + outDim) * inDim)])
            case let .packed(p): return p.unpacked(first: first, rows: outDim)
            default: return nil
            }
        }
    }

    /// Tells the observer (calibration) about an input this layer reads.
    func notify(_ x: UnsafePointer<Float>, rows: Int) {
        observer?(name, UnsafeBufferPointer(start: x, count: rows * inDim), rows)
    }

    /// One layer computing several layers that read the same input (q, k, v) side by side:
    /// y = [y_1 | y_2 | …]. One GEMM with a wider N, and int8 activations quantized once.
    /// The parts' weights move into the fused layer (they keep names, shapes and observers).
    /// Returns nil when the parts cannot be fused (mixed precision, different static scales,
    /// widths not multiples of the packing block: 16 columns for int8, 32 for packed fp32).
    static func fused(_ parts: [Linear], name: String) -> Linear? {
        guard let first = parts.first, parts.allSatisfy({ $0.inDim == first.inDim && $0.inputScale == first.inputScale }) else { return nil }
        let out = parts.reduce(0) { $0 + $1.outDim }
        let bias: [Float]? = parts.allSatisfy({ $0.bias == nil }) ? nil : parts.flatMap { $0.bias ?? [Float](repeating: 0, count: $0.outDim) }
        var f32: [Float] = [], panels: [PackedWeights] = [], packed: [WeightBuffer] = [], colsum: [Int32] = [], scales: [Float] = []
        var narrow = true
        for p in parts {
            switch p.weights {
            case let .f32(w): f32 += w
            case let .packed(pw):
                guard p.outDim % Kernels.f32PanelWidth == 0 else { return nil }
                panels.append(pw)
            case let .i8(pk, cs, sc, nw):
                guard p.outDim % Kernels.i8BlockWidth == 0 else { return nil }
                packed.append(pk); colsum += cs; scales += sc; narrow = narrow && nw
            case .inFused: return nil
            }
        }
        let result: Linear
        if f32.count == out * first.inDim && packed.isEmpty && panels.isEmpty {
            result = Linear(name: name, outDim: out, inDim: first.inDim, weights: .f32(f32), bias: bias, inputScale: nil)
        } else if panels.count == parts.count, let stacked = PackedWeights(stacking: panels, layer: name) {
            result = Linear(name: name, outDim: out, inDim: first.inDim, weights: .packed(stacked), bias: bias, inputScale: nil)
        } else if f32.isEmpty && colsum.count == out, let stacked = try? WeightBuffer(concatenating: packed, for: name) {
            result = Linear(name: name, outDim: out, inDim: first.inDim, weights: .i8(packed: stacked, colsum: colsum, scales: scales, narrow: narrow), bias: bias,
                            inputScale: first.inputScale)
        } else {
            return nil
        }
        var row = 0
        for p in parts { p.weights = .inFused(result, firstRow: row); row += p.outDim }
        return result
    }

    /// y[rows, out] = act(x[rows, in] · Wᵀ + b), added to y's contents when `accumulate` (the residual).
    func forward(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, threads: Int,
                 accumulate: Bool = false, activation: Activation? = nil) {
        notify(x, rows: rows)
        // Kernels fuse bias, activation and the residual add into their epilogue; the one
        // combination none needs (activation and residual together) goes through a scratch buffer.
        if accumulate, activation != nil {
            let tmp = scratchOutput(rows * outDim)
            compute(x, rows: rows, into: tmp, threads: threads, accumulate: false, activation: activation)
            Kernels.add(y, tmp, count: rows * outDim)
            return
        }
        compute(x, rows: rows, into: y, threads: threads, accumulate: accumulate, activation: activation)
    }

    /// forward(LN(x)), with LN(x) written to `normalized`. An int8 layer nobody observes quantizes each row
    /// as it is normalized (`Kernels.layerNormQuantize`): one pass and one parallel section instead of two.
    func forward(normalizing x: UnsafePointer<Float>, _ ln: (gamma: [Float], beta: [Float]), eps: Float,
                 normalized h: UnsafeMutablePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, threads: Int,
                 activation: Activation? = nil) {
        guard case let .i8(packed, colsum, scales, narrow) = weights, observer == nil else {
            Ops.layerNorm(x, h, rows: rows, width: inDim, gamma: ln.gamma, beta: ln.beta, eps: eps, threads: threads)
            forward(h, rows: rows, into: y, threads: threads, activation: activation)
            return
        }
        let kp = (inDim + 3) / 4 * 4, w = inDim, scale = inputScale
        if xq.count < rows * kp { xq = [Int8](repeating: 0, count: rows * kp) }
        if sx.count < rows { sx = [Float](repeating: 0, count: rows) }
        xq.withUnsafeMutableBufferPointer { q in sx.withUnsafeMutableBufferPointer { s in
            ln.gamma.withUnsafeBufferPointer { g in ln.beta.withUnsafeBufferPointer { b in
                Ops.parallelRows(rows, work: rows * w, threads: threads) { r0, r1 in
                    Kernels.layerNormQuantize(x + r0 * w, h + r0 * w, rows: r1 - r0, width: w, gamma: g.baseAddress,
                                              beta: b.baseAddress, eps: eps, staticScale: scale,
                                              into: q.baseAddress! + r0 * kp, scales: s.baseAddress! + r0)
                }
            } }
        } }
        Int8GEMM.run(xq: xq, sx: sx, rows: rows, inDim: inDim, packed: packed, colsum: colsum, narrow: narrow, scales: scales,
                     bias: bias, y: y, outDim: outDim, threads: threads, activation: activation)
    }

    /// The GEMM of `forward` (without notifying observers), on whichever weights this layer holds.
    private func compute(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, threads: Int,
                         accumulate: Bool, activation: Activation?) {
        switch weights {
        case let .packed(p):
            F32GEMM.runPacked(x: x, rows: rows, weights: p, bias: bias, y: y, threads: threads,
                              accumulate: accumulate, activation: activation)
        case let .i8(packed, colsum, scales, narrow):
            let kp = (inDim + 3) / 4 * 4
            if xq.count < rows * kp { xq = [Int8](repeating: 0, count: rows * kp) }
            if sx.count < rows { sx = [Float](repeating: 0, count: rows) }
            quantize(x, rows: rows, rowBytes: kp, threads: threads)
            Int8GEMM.run(xq: xq, sx: sx, rows: rows, inDim: inDim, packed: packed, colsum: colsum, narrow: narrow, scales: scales,
                         bias: bias, y: y, outDim: outDim, threads: threads, accumulate: accumulate,
                         activation: activation)
        case let .f32(w):
            // OpenBLAS path (no packed kernel on this CPU): plain GEMM, then the epilogue as separate passes.
            let target = accumulate ? scratchOutput(rows * outDim) : y
            F32GEMM.run(x: x, rows: rows, inDim: inDim, weights: w, bias: bias, y: target, outDim: outDim,
                        threads: threads)
            if let activation { Kernels.activate(target, count: rows * outDim, activation) }
            if accumulate { Kernels.add(y, target, count: rows * outDim) }
        case let .inFused(parent, first):
            // Not on the forward path (the fused layer runs instead); kept correct for direct callers.
            let input = Array(UnsafeBufferPointer(start: x, count: rows * inDim))
            let all = parent.forward(input, rows: rows, threads: threads)
            for r in 0..<rows { for j in 0..<outDim {
                var v = all[r * parent.outDim + first + j]
                if let activation { Kernels.activate(&v, count: 1, activation) }
                y[r * outDim + j] = accumulate ? y[r * outDim + j] + v : v
            } }
        }
    }

    /// Quantizes the input rows into `xq` / `sx` (per-token scales, or the static calibrated one),
    /// row ranges in parallel; stored as x + 128 when the int8 kernel takes that (`Kernels.i8TakesOffset`),
    /// offset once here rather than in every GEMM thread.
    private func quantize(_ x: UnsafePointer<Float>, rows: Int, rowBytes kp: Int, threads: Int) {
        let inDim = self.inDim, scale = inputScale
        xq.withUnsafeMutableBufferPointer { q in sx.withUnsafeMutableBufferPointer { s in
            Ops.parallelRows(rows, work: rows * inDim, threads: threads) { r0, r1 in
                let qp = q.baseAddress! + r0 * kp
                Kernels.quantizeRows(x + r0 * inDim, rows: r1 - r0, inDim: inDim, into: qp, scales: s.baseAddress! + r0,
                                     staticScale: scale)
                if Kernels.i8TakesOffset { Kernels.i8Offset(qp, count: (r1 - r0) * kp) }
            }
        } }
    }

    /// Output buffer for paths whose epilogue cannot accumulate in place (reused across calls).
    private var scratch: UnsafeMutablePointer<Float>?
    private var scratchCount = 0
    private func scratchOutput(_ count: Int) -> UnsafeMutablePointer<Float> {
        if let scratch, scratchCount >= count { return scratch }
        scratch?.deallocate()
        let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
        scratch = p; scratchCount = count
        return p
    }

    deinit { scratch?.deallocate() }

    func forward(_ x: [Float], rows: Int, threads: Int) -> [Float] {
        var y = [Float](repeating: 0, count: rows * outDim)
        x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { yp in
            forward(xp.baseAddress!, rows: rows, into: yp.baseAddress!, threads: threads)
        } }
        return y
    }
}
