import ClipzCore

/// Turns the source tensors of a dump into lazily loaded canonical `TensorSource`s through the
/// naming scheme's layout fixes (`SourceTensor+Layout.swift`).
enum CanonicalTensors {
    /// Builds every canonical tensor `config` implies, in `expectedShapes` order.
    static func build(config: ModelConfig, scheme: NamingScheme, stored: [String: SourceTensor], sourceLabel: String) throws -> [TensorSource] {
        try CanonicalName.expectedShapes(config).map { name, expected in
            guard let ref = scheme.locate(name), let t = stored[ref.name] else {
                let src = scheme.locate(name)?.name ?? name
                throw ImportError.missingTensor(file: sourceLabel, name: src, hint: "needed for canonical '\(name)' (\(scheme.id) naming)")
            }
            guard t.dtype.loaded.isFloat else {
                throw ImportError.unsupported(file: t.file, detail: "tensor '\(t.name)' is \(t.dtype.rawValue); CLIP weights must be floating point")
            }
            return try t.canonical(name, shape: expected, layout: ref.layout)
        }
    }
}
