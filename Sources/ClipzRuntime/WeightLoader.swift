import ClipzCore
import ClipzQuant

/// Hands tensors to the towers while they are built and remembers every linear layer.
/// Non-linear tensors stored as int8 (e.g. the token embedding) are dequantized here, once.
final class WeightLoader {
    let names: Set<String>
    let raw: (String) throws -> Tensor
    private(set) var linears: [String: Linear] = [:]

    init(names: Set<String>, load: @escaping (String) throws -> Tensor) {
        self.names = names; self.raw = load
    }

    /// A tensor as float-ready values (int8 with per-row scales is dequantized).
    func load(_ name: String) throws -> Tensor {
        let t = try raw(name)
        if t.dtype == .i8, names.contains(name + ".scale") { return try WeightQuantization.dequantize(t, scale: try raw(name + ".scale")) }
        return t
    }

    func optional(_ name: String) -> Tensor? { names.contains(name) ? try? raw(name) : nil }

    func linear(_ weight: String, bias: String?) throws -> Linear {
        let l = try Linear(name: weight, load: raw, optional: optional, bias: try bias.map(load))
        linears[weight] = l
        return l
    }
}
