import Foundation

/// Deterministic random CLIP models for tests and benchmarks (no checkpoint needed).
public enum SyntheticModel {
    /// A small config (32-px images, 8-px patches, width 32, 2 layers, context 16).
    public static func tinyConfig(vocab: Int = 512) -> ModelConfig {
        ModelConfig(vision: VisionConfig(imageSize: 32, patchSize: 8, width: 32, layers: 2, heads: 4, mlpDim: 64),
                    text: TextConfig(contextLength: 16, vocabSize: vocab, width: 32, layers: 2, heads: 4, mlpDim: 64,
                                     eosTokenID: vocab - 1),
                    embedDim: 16)
    }

    /// CLIP ViT-B/32 shapes (Hugging Face default `CLIPConfig`).
    public static func vitB32Config() -> ModelConfig {
        ModelConfig(vision: VisionConfig(imageSize: 224, patchSize: 32, width: 768, layers: 12, heads: 12, mlpDim: 3072),
                    text: TextConfig(contextLength: 77, vocabSize: 49408, width: 512, layers: 12, heads: 8, mlpDim: 2048),
                    embedDim: 512)
    }

    /// A model with seeded random weights (LayerNorm weights near 1, others ~ N(0, 0.02²)-ish).
    public static func make(config: ModelConfig, seed: UInt64 = 1, createdAt: String = "1970-01-01T00:00:00Z") -> ModelSource {
        var tensors: [TensorSource] = []
        for (i, (name, shape)) in CanonicalName.expectedShapes(config).enumerated() {
            let s = seed &* 0x9E3779B97F4A7C15 &+ UInt64(i)
            tensors.append(TensorSource(name: name, dtype: .f32, shape: shape) {
                var rng = SplitMix64(seed: s)
                let n = Checked.elementCount(shape) ?? 0
                let isNormWeight = name.hasSuffix("ln1.weight") || name.hasSuffix("ln2.weight") || name.hasSuffix("_ln.weight")
                var v = [Float](repeating: 0, count: n)
                let scale: Float = name == CanonicalName.logitScale ? 0 : (name.contains("embed") ? 0.1 : 0.08)
                for j in 0..<n { v[j] = (isNormWeight ? 1 : 0) + scale * rng.nextGaussian() }
                if name == CanonicalName.logitScale { v = [Float(log(100.0))] }
                return try Tensor(name: name, shape: shape, floats: v)
            })
        }
        let meta = ModelMetadata(
            config: config,
            preprocessing: Preprocessing(resizeShortest: config.vision?.imageSize ?? 224, cropSize: config.vision?.imageSize ?? 224),
            tokenizer: TokenizerSpec(contextLength: config.text?.contextLength ?? 77),
            provenance: Provenance(sources: [], importer: "synthetic", converterVersion: clipzVersion, createdAt: createdAt,
                                   name: "synthetic-seed\(seed)"))
        return ModelSource(metadata: meta, tensors: tensors)
    }
}
