import ClipzCore

/// One pre-LN transformer block: x += Attn(LN1(x)); x += MLP(LN2(x)). SigLIP's pooling head reuses
/// its layers and residual tail without LN1 (see AttentionPoolingHead).
final class TransformerBlock {
    let width: Int
    let heads: Int
    let eps: Float
    let activation: Activation
    let ln1: (gamma: [Float], beta: [Float])?
    let ln2: (gamma: [Float], beta: [Float])
    let q: Linear, k: Linear, v: Linear, out: Linear
    let fc1: Linear, fc2: Linear
    /// q, k and v fused into one layer (nil when they cannot be); q, k, v then keep only names and observers.
    let qkv: Linear?

    /// The `layers` blocks of a tower (`<tower>.layers.N`).
    static func stack(_ tower: String, layers: Int, width: Int, heads: Int, eps: Double, activation: Activation,
                      weights: WeightLoader) throws -> [TransformerBlock] {
        try (0..<layers).map {
            try TransformerBlock(prefix: "\(tower).layers.\($0)", width: width, heads: heads, eps: eps, activation: activation, weights: weights)
        }
    }

    /// - Parameters:
    ///   - ln1, ln2: names of the LayerNorms under `prefix` (`ln1` nil: none before attention).
    ///   - fuseQKV: run q, k and v as one layer (they must read the same input).
    init(prefix: String, width: Int, heads: Int, eps: Double, activation: Activation, weights: WeightLoader,
         ln1 ln1Name: String? = "ln1", ln2 ln2Name: String = "ln2", fuseQKV: Bool = true) throws {
        self.width = width; self.heads = heads; self.eps = Float(eps); self.activation = activation
        func lin(_ n: String) throws -> Linear { try weights.linear("\(prefix).\(n).weight", bias: "\(prefix).\(n).bias") }
        ln1 = try ln1Name.map { try weights.layerNorm("\(prefix).\($0)") }
        ln2 = try weights.layerNorm("\(prefix).\(ln2Name)")
        q = try lin("attn.q"); k = try lin("attn.k"); v = try lin("attn.v"); out = try lin("attn.out")
        fc1 = try lin("mlp.fc1"); fc2 = try lin("mlp.fc2")
        qkv = fuseQKV ? Linear.fused([q, k, v], name: "\(prefix).attn.qkv") : nil
        guard ln1.map({ $0.gamma.count == width }) ?? true, ln2.gamma.count == width, q.inDim == width, q.outDim == width, k.outDim == width,
              v.outDim == width, out.inDim == width, fc1.inDim == width, fc2.inDim == fc1.outDim, fc2.outDim == width else {
            throw RuntimeError.badWeights("block '\(prefix)' does not match width \(width)")
        }
    }

    /// Runs the block in place on `x` = [batch, seq, width].
    /// - Parameters:
    ///   - causal: mask keys after each query (text tower).
    ///   - keepRows: when set (the last block), only these rows of `x` are updated: attention still reads
    ///     every position as keys and values, but the output projection and MLP run on the kept rows
    ///     only (the pooled tokens), which skips ~3/4 of the block's work. Other rows are left stale.
    func forward(_ x: UnsafeMutablePointer<Float>, batch: Int, seq: Int, causal: Bool, ws: Workspace, keepRows: [Int]? = nil) {
        let rows = batch * seq, w = width
        let attn = ws.get("attn", rows * w)
        attention(x, into: attn, batch: batch, seq: seq, causal: causal, ws: ws)
        guard let keep = keepRows else {
            residualTail(attn: attn, x: x, rows: rows, ws: ws)
            return
        }
        let n = keep.count
        let ga = ws.get("kept-attn", n * w), gx = ws.get("kept-x", n * w)
        for (i, r) in keep.enumerated() {
            (ga + i * w).update(from: attn + r * w, count: w)
            (gx + i * w).update(from: x + r * w, count: w)
        }
        residualTail(attn: ga, x: gx, rows: n, ws: ws)
        for (i, r) in keep.enumerated() { (x + r * w).update(from: gx + i * w, count: w) }
    }

    /// x += out(attn); x += fc2(act(fc1(LN2(x)))) on `rows` rows (bias, activation and residual adds
    /// run in the GEMM epilogues).
    func residualTail(attn: UnsafeMutablePointer<Float>, x: UnsafeMutablePointer<Float>, rows: Int, ws: Workspace) {
        let w = width, h = ws.get("h", rows * w), threads = ws.threads
        out.forward(attn, rows: rows, into: x, threads: threads, accumulate: true)
        let m = ws.get("mlp", rows * fc1.outDim)
        fc1.forward(normalizing: x, ln2, eps: eps, normalized: h, rows: rows, into: m, threads: threads,
                    activation: activation)
        fc2.forward(m, rows: rows, into: x, threads: threads, accumulate: true)
    }

    /// Multi-head scaled dot-product attention on LN1(x) (x itself without LN1), x = [batch*seq, width]; heads
    /// run in parallel.
    func attention(_ x: UnsafeMutablePointer<Float>, into result: UnsafeMutablePointer<Float>, batch: Int, seq: Int,
                   causal: Bool, ws: Workspace) {
        let rows = batch * seq, w = width, hd = w / heads
        // q, k, v side by side in one buffer [rows, 3w] (ld = 3w), from the fused layer when possible.
        let ld = 3 * w
        let qkvOut = ws.get("qkv", rows * ld), h = ws.get("h", rows * w)
        if let qkv, let ln1, [q, k, v].allSatisfy({ $0.observer == nil }) {
            // LN1 and (int8) the quantization of its output in one pass.
            qkv.forward(normalizing: x, ln1, eps: eps, normalized: h, rows: rows, into: qkvOut, threads: ws.threads)
        } else {
            if let ln1 {
                Ops.layerNorm(x, h, rows: rows, width: w, gamma: ln1.gamma, beta: ln1.beta, eps: eps, threads: ws.threads)
            } else {
                h.update(from: x, count: rows * w)
            }
            if let qkv {
                for part in [q, k, v] { part.notify(h, rows: rows) }
                qkv.forward(h, rows: rows, into: qkvOut, threads: ws.threads)
            } else {
                let tmp = ws.get("qkv-part", rows * w)
                for (i, layer) in [q, k, v].enumerated() {
                    layer.forward(h, rows: rows, into: tmp, threads: ws.threads)
                    for r in 0..<rows { (qkvOut + r * ld + i * w).update(from: tmp + r * w, count: w) }
                }
            }
        }
        let qs = qkvOut, ks = qkvOut + w, vs = qkvOut + 2 * w
        let scale = 1 / Float(hd).squareRoot()
        // Threads only when there is enough work to pay for them (tiny models stay on the caller's thread).
        let work = batch * heads * seq * seq * hd
        let threads = work < 400_000 ? 1 : max(1, min(ws.threads, batch * heads))
        let per = Kernels.attentionScratchFloats(seq: seq, headDim: hd)
        let scores = ws.get("scores", threads * per)
        let total = batch * heads
        // int8 q/k/v projections (inputs rounded to 8 bits) take bf16 attention products; fp32 layers keep fp32.
        let bf16 = (qkv ?? q).isInt8
        Kernels.parallel(threads, threads: threads) { t in
            var i = t
            while i < total {
                let b = i / heads, head = i % heads
                let base = b * seq * ld + head * hd, outBase = b * seq * w + head * hd
                Kernels.attentionHead(q: qs + base, k: ks + base, v: vs + base, out: result + outBase, seq: seq, headDim: hd,
                                      ld: ld, ldo: w, scratch: scores + t * per, causal: causal, scale: scale, bf16: bf16)
                i += threads
            }
        }
    }
}
