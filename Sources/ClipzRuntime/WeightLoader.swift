import ClipzCore
import ClipzQuant

/// Hands tensors to the towers while they are built and remembers every linear layer.
/// Non-linear tensors stored as int8 with a `.scale` are dequantized here, once (not the token
/// embedding: TextTower keeps it int8 and dequantizes the rows each lookup reads).
final class WeightLoader {
    /// dtype (nil if unknown to this reader) and shape of every tensor.
    let info: [String: (dtype: DType?, shape: [Int])]
    let raw: (String) throws -> Tensor
    /// Fast path straight to floats for f32/f16/bf16 tensors (nil: go through `raw`).
    let fastFloats: ((String) throws -> [Float])?
    private(set) var linears: [String: Linear] = [:]

    init(info: [String: (dtype: DType?, shape: [Int])], load: @escaping (String) throws -> Tensor, floats: ((String) throws -> [Float])? = nil) {
        self.info = info; self.raw = load; self.fastFloats = floats
    }

    /// A tensor as float-ready values (int8 with per-row scales is dequantized).
    func load(_ name: String) throws -> Tensor {
        let t = try raw(name)
        if t.dtype == .i8, info[name + ".scale"] != nil { return try WeightQuantization.dequantize(t, scale: try raw(name + ".scale")) }
        return t
    }

    /// Float values of a tensor.
    func values(_ name: String) throws -> [Float] {
        if let fast = fastFloats, let d = info[name]?.dtype, d.isFloat { return try fast(name) }
        return try load(name).floats()
    }

    func optional(_ name: String) -> Tensor? { info[name] != nil ? try? raw(name) : nil }

    /// A LayerNorm's `<name>.weight` and `<name>.bias`.
    func layerNorm(_ name: String) throws -> (gamma: [Float], beta: [Float]) {
        (try values(name + ".weight"), try values(name + ".bias"))
    }

    func linear(_ weight: String, bias: String?) throws -> Linear {
        let l = try Linear(name: weight, loader: self, bias: try bias.map(values))
        linears[weight] = l
        return l
    }
}
