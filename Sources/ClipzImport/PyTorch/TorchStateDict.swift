/// Finds the named tensors in an unpickled PyTorch checkpoint: a state dict (`{name: tensor}`, maybe
/// inside a training checkpoint's `state_dict` / `model` entry), or a TorchScript module tree whose
/// attribute paths give the same names (`visual.transformer.resblocks.0.attn.in_proj_weight`).
enum TorchStateDict {
    static let maxDepth = 64
    /// Entries of a training checkpoint that hold the weights, tried in this order.
    static let wrappers = ["state_dict", "model_state_dict", "model", "module", "ema_state_dict"]

    static func tensors(in root: PickleValue, file: String) throws -> [(name: String, tensor: TorchTensorRef)] {
        var out: [(String, TorchTensorRef)] = []
        var seen = Set<ObjectIdentifier>()
        try walk(unwrap(root), prefix: "", depth: 0, into: &out, seen: &seen, file: file)
        // DistributedDataParallel saves every name under "module.".
        if !out.isEmpty, out.allSatisfy({ $0.0.hasPrefix("module.") }) { out = out.map { (String($0.0.dropFirst(7)), $0.1) } }
        return out
    }

    /// The weights entry of a training checkpoint, or the value itself.
    static func unwrap(_ v: PickleValue) -> PickleValue {
        guard case let .dict(d) = v else { return v }
        let hasTensors = d.entries.contains { if case .tensor = $0.value { return true }; return false }
        if hasTensors { return v }
        for w in wrappers {
            if let e = d.entries.first(where: { $0.key.string == w }) {
                switch e.value {
                case .dict, .object: return e.value
                default: continue
                }
            }
        }
        return v
    }

    private static func walk(_ v: PickleValue, prefix: String, depth: Int, into out: inout [(String, TorchTensorRef)],
                             seen: inout Set<ObjectIdentifier>, file: String) throws {
        guard depth <= maxDepth else {
            throw ImportError.limitExceeded(file: file, what: "nesting depth of the checkpoint's modules", value: depth, limit: maxDepth)
        }
        func child(_ key: String) -> String { prefix.isEmpty ? key : prefix + "." + key }
        switch v {
        case let .tensor(t):
            guard !prefix.isEmpty else { return }
            out.append((prefix, t))
        case let .dict(d):
            guard seen.insert(ObjectIdentifier(d)).inserted else { return }
            for e in d.entries {
                guard let key = e.key.string else { continue }
                try walk(e.value, prefix: child(key), depth: depth + 1, into: &out, seen: &seen, file: file)
            }
        case let .object(o):
            guard seen.insert(ObjectIdentifier(o)).inserted else { return }
            for (key, value) in o.attributes where !key.hasPrefix("_") {
                try walk(value, prefix: child(key), depth: depth + 1, into: &out, seen: &seen, file: file)
            }
        default:
            return
        }
    }
}
