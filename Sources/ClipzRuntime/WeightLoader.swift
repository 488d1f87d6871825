import ClipzCore

/// Hands tensors to the towers while they are built and remembers every linear layer.
final class WeightLoader {
    let names: Set<String>
    let load: (String) throws -> Tensor
    private(set) var linears: [String: Linear] = [:]

    init(names: Set<String>, load: @escaping (String) throws -> Tensor) {
        self.names = names; self.load = load
    }

    func optional(_ name: String) -> Tensor? { names.contains(name) ? try? load(name) : nil }

    func linear(_ weight: String, bias: String?) throws -> Linear {
        let l = try Linear(name: weight, load: load, optional: optional, bias: try bias.map(load))
        linears[weight] = l
        return l
    }
}
